-- forge:revision   0c9e8ae119d8
-- forge:message    initial schema
-- forge:created    2026-11-25T22:09:35Z

-- forge:upgrade
CREATE TYPE "order_status" AS ENUM ('pending', 'paid', 'shipped', 'cancelled');

CREATE TABLE "categories" (
    "id" uuid NOT NULL,
    "created_at" timestamptz NOT NULL DEFAULT now(),
    "updated_at" timestamptz NOT NULL DEFAULT now(),
    "name" varchar(100) NOT NULL,
    "parent_id" uuid,
    CONSTRAINT "categories_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "categories_name_key" UNIQUE ("name"),
    CONSTRAINT "categories_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "categories" ("id") ON DELETE SET NULL
);
COMMENT ON TABLE "categories" IS 'A node of the catalog''s category tree.';
COMMENT ON COLUMN "categories"."parent_id" IS 'The enclosing category; NULL for a top-level one.';

CREATE TABLE "users" (
    "id" uuid NOT NULL,
    "created_at" timestamptz NOT NULL DEFAULT now(),
    "updated_at" timestamptz NOT NULL DEFAULT now(),
    "email" varchar(255) NOT NULL,
    "display_name" varchar(100) NOT NULL,
    "phone_number" varchar(20),
    "is_active" boolean NOT NULL DEFAULT true,
    CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "users_email_key" UNIQUE ("email")
);
COMMENT ON TABLE "users" IS 'A person who can sign in to the shop.';
COMMENT ON COLUMN "users"."email" IS 'Sign-in address, unique across users.';
COMMENT ON COLUMN "users"."phone_number" IS 'Optional contact number.';

CREATE TABLE "api_keys" (
    "id" uuid NOT NULL,
    "created_at" timestamptz NOT NULL DEFAULT now(),
    "updated_at" timestamptz NOT NULL DEFAULT now(),
    "user_id" uuid NOT NULL,
    "prefix" varchar(12) NOT NULL,
    "last_used_at" timestamptz,
    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "api_keys_prefix_key" UNIQUE ("prefix"),
    CONSTRAINT "api_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_api_keys_user_id" ON "api_keys" ("user_id");
COMMENT ON TABLE "api_keys" IS 'A key a user''s scripts call the API with.';
COMMENT ON COLUMN "api_keys"."prefix" IS 'First characters of the key, shown to the user to tell keys apart.';

CREATE TABLE "orders" (
    "id" uuid NOT NULL,
    "created_at" timestamptz NOT NULL DEFAULT now(),
    "updated_at" timestamptz NOT NULL DEFAULT now(),
    "user_id" uuid NOT NULL,
    "number" integer NOT NULL,
    "status" "order_status" NOT NULL DEFAULT 'pending',
    "total_cents" bigint NOT NULL,
    "shipped_at" timestamptz,
    "note" varchar(500),
    CONSTRAINT "orders_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "orders_user_id_number_key" UNIQUE ("user_id", "number"),
    CONSTRAINT "orders_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE RESTRICT,
    CONSTRAINT "orders_number_check" CHECK (number >= 1),
    CONSTRAINT "orders_total_cents_check" CHECK (total_cents >= 0)
);
COMMENT ON TABLE "orders" IS 'An order a user placed. Each user numbers their orders from 1.';
COMMENT ON COLUMN "orders"."total_cents" IS 'Total in cents.';

CREATE TABLE "products" (
    "id" uuid NOT NULL,
    "created_at" timestamptz NOT NULL DEFAULT now(),
    "updated_at" timestamptz NOT NULL DEFAULT now(),
    "name" varchar(255) NOT NULL,
    "price" double precision NOT NULL,
    "sku" varchar(100) NOT NULL,
    "attributes" jsonb NOT NULL DEFAULT '{}',
    "owner_id" uuid NOT NULL,
    "category_id" uuid,
    CONSTRAINT "products_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "products_category_id_fkey" FOREIGN KEY ("category_id") REFERENCES "categories" ("id") ON DELETE SET NULL,
    CONSTRAINT "products_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users" ("id"),
    CONSTRAINT "products_price_check" CHECK (price > 0)
);
CREATE INDEX "ix_products_sku" ON "products" ("sku");
COMMENT ON TABLE "products" IS 'Product table model.';
COMMENT ON COLUMN "products"."attributes" IS 'Free-form attributes shown on the product page.';

-- forge:downgrade
-- forge:warning drops table products and every row in it
DROP TABLE "products";

-- forge:warning drops table orders and every row in it
DROP TABLE "orders";

-- forge:warning drops table api_keys and every row in it
DROP TABLE "api_keys";

-- forge:warning drops table users and every row in it
DROP TABLE "users";

-- forge:warning drops table categories and every row in it
DROP TABLE "categories";

-- forge:warning drops enum type order_status (labels pending, paid, shipped, cancelled)
DROP TYPE "order_status";
