-- forge:revision   bb6ef5c88c20
-- forge:parents    0c9e8ae119d8
-- forge:message    entity ids default to gen_random_uuid()
-- forge:created    2026-12-01T20:13:48Z

-- forge:upgrade
ALTER TABLE "api_keys" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

ALTER TABLE "categories" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

ALTER TABLE "orders" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

ALTER TABLE "products" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

ALTER TABLE "users" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

-- forge:downgrade
ALTER TABLE "users" ALTER COLUMN "id" DROP DEFAULT;

ALTER TABLE "products" ALTER COLUMN "id" DROP DEFAULT;

ALTER TABLE "orders" ALTER COLUMN "id" DROP DEFAULT;

ALTER TABLE "categories" ALTER COLUMN "id" DROP DEFAULT;

ALTER TABLE "api_keys" ALTER COLUMN "id" DROP DEFAULT;
