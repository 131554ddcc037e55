//! PostgreSQL introspection against a real server: hand-written DDL in, the
//! exact schema model out, in a fixed number of catalog queries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use forge::model::{
    CheckConstraint, Column, ColumnType, Deferrable, EnumType, ForeignKey, Identity, Index,
    IndexKey, PrimaryKey, ReferentialAction, Schema, Sequence, Table, UniqueConstraint,
};
use forge_core::introspect::postgres::{self, introspect, introspect_with, QUERY_COUNT};
use forge_core::introspect::{IntrospectError, IntrospectOptions, Introspector};
use forge_tests::TestDatabase;
use sqlx::PgConnection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn connect(db: &TestDatabase, schema: &str) -> PgConnection {
    forge_core::database::connect(&db.url, Some(schema))
        .await
        .expect("connect to the test database")
}

async fn read(db: &TestDatabase) -> Schema {
    introspect(&mut connect(db, "public").await, "public")
        .await
        .expect("introspect")
}

fn column(name: &str, column_type: ColumnType, nullable: bool) -> Column {
    Column::new(name, column_type, nullable)
}

fn with_default(mut column: Column, default: &str) -> Column {
    column.default = Some(default.to_string());
    column
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const EVERY_TYPE: &str = r#"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE SCHEMA other;
CREATE TYPE other.color AS ENUM ('red', 'green');
CREATE TABLE every_type (
    small_col int2,
    smallint_col smallint,
    int_col int4,
    integer_col integer NOT NULL,
    big_col int8,
    bigint_col bigint,
    real_col float4,
    double_col float8,
    float_col float,
    numeric_col numeric(10, 2),
    plain_numeric_col numeric,
    decimal_col decimal(12),
    bool_col bool,
    text_col text,
    varchar_col character varying(40),
    unbounded_varchar_col varchar,
    char_col char(3),
    character_col character(10),
    bytes_col bytea,
    uuid_col uuid,
    date_col date,
    time_col time,
    timestamp_col timestamp without time zone,
    timestamptz_col timestamp with time zone,
    interval_col interval,
    json_col json,
    jsonb_col jsonb,
    mood_col mood,
    moods_col mood[],
    tags_col text[],
    codes_col varchar(10)[],
    matrix_col integer[][],
    inet_col inet,
    precise_col timestamptz(3),
    money_col money,
    color_col other.color
);
"#;

#[tokio::test]
async fn every_type_alias_maps_to_its_normalized_column_type() {
    let db = TestDatabase::create().await;
    db.execute(EVERY_TYPE).await;
    let schema = read(&db).await;
    let table = schema.table("every_type").expect("every_type is read");
    let types: Vec<(&str, &ColumnType, bool)> = table
        .columns
        .iter()
        .map(|c| (c.name.as_str(), &c.column_type, c.nullable))
        .collect();
    let custom = |sql: &str| ColumnType::Custom {
        sql: sql.to_string(),
    };
    let mood = ColumnType::Enum {
        name: "mood".into(),
    };
    let expected: Vec<(&str, ColumnType, bool)> = vec![
        ("small_col", ColumnType::SmallInt, true),
        ("smallint_col", ColumnType::SmallInt, true),
        ("int_col", ColumnType::Integer, true),
        ("integer_col", ColumnType::Integer, false),
        ("big_col", ColumnType::BigInt, true),
        ("bigint_col", ColumnType::BigInt, true),
        ("real_col", ColumnType::Real, true),
        ("double_col", ColumnType::Double, true),
        ("float_col", ColumnType::Double, true),
        (
            "numeric_col",
            ColumnType::Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            true,
        ),
        (
            "plain_numeric_col",
            ColumnType::Numeric {
                precision: None,
                scale: None,
            },
            true,
        ),
        (
            "decimal_col",
            ColumnType::Numeric {
                precision: Some(12),
                scale: Some(0),
            },
            true,
        ),
        ("bool_col", ColumnType::Boolean, true),
        ("text_col", ColumnType::Text, true),
        ("varchar_col", ColumnType::varchar(40), true),
        (
            "unbounded_varchar_col",
            ColumnType::Varchar { length: None },
            true,
        ),
        ("char_col", ColumnType::Char { length: 3 }, true),
        ("character_col", ColumnType::Char { length: 10 }, true),
        ("bytes_col", ColumnType::Bytes, true),
        ("uuid_col", ColumnType::Uuid, true),
        ("date_col", ColumnType::Date, true),
        ("time_col", ColumnType::TIME, true),
        ("timestamp_col", ColumnType::TIMESTAMP, true),
        ("timestamptz_col", ColumnType::TIMESTAMPTZ, true),
        ("interval_col", ColumnType::INTERVAL, true),
        ("json_col", ColumnType::Json, true),
        ("jsonb_col", ColumnType::Jsonb, true),
        ("mood_col", mood.clone(), true),
        ("moods_col", ColumnType::array(mood), true),
        ("tags_col", ColumnType::array(ColumnType::Text), true),
        (
            "codes_col",
            ColumnType::array(ColumnType::varchar(10)),
            true,
        ),
        ("matrix_col", ColumnType::array(ColumnType::Integer), true),
        ("inet_col", custom("inet"), true),
        (
            "precise_col",
            ColumnType::TimestampTz { precision: Some(3) },
            true,
        ),
        ("money_col", custom("money"), true),
        // An enum of another schema is not one of this schema's enum types.
        ("color_col", custom("other.color"), true),
    ];
    let expected: Vec<(&str, &ColumnType, bool)> =
        expected.iter().map(|(n, t, null)| (*n, t, *null)).collect();
    assert_eq!(types, expected);
    assert_eq!(
        schema.enums,
        vec![EnumType::new("mood", &["sad", "ok", "happy"])]
    );
}

const SHOP: &str = r#"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
ALTER TYPE mood ADD VALUE 'meh' AFTER 'sad';
ALTER TYPE mood ADD VALUE 'ecstatic';
CREATE TYPE size AS ENUM ('small', 'large');

CREATE TABLE users (
    id serial PRIMARY KEY,
    email varchar(255) NOT NULL,
    name text,
    status varchar(20) NOT NULL DEFAULT 'active',
    role text DEFAULT 'member'::text,
    active boolean NOT NULL DEFAULT TRUE,
    score integer DEFAULT -1,
    ratio double precision DEFAULT 0.5,
    amount numeric(10,2) DEFAULT '0.00',
    token uuid DEFAULT gen_random_uuid(),
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    feeling mood DEFAULT 'ok'::mood,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT now(),
    seen_on date DEFAULT CURRENT_DATE,
    deleted_at timestamptz,
    CONSTRAINT users_email_key UNIQUE (email)
);
COMMENT ON TABLE users IS 'People who log in';
COMMENT ON COLUMN users.email IS 'Login, unique';
CREATE INDEX ix_users_live_email ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX ix_users_lower_email ON users (lower(email));
CREATE INDEX ix_users_recent ON users (created_at DESC, id);
CREATE UNIQUE INDEX ux_users_name ON users (name);
CREATE INDEX ix_users_token ON users USING hash (token);
CREATE INDEX ix_users_lower_name_desc ON users (lower(name) DESC);

CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY,
    number integer GENERATED BY DEFAULT AS IDENTITY,
    owner_id integer NOT NULL,
    backup_owner_id integer,
    region text NOT NULL,
    code text NOT NULL,
    balance numeric(12,2) NOT NULL DEFAULT 0,
    CONSTRAINT accounts_pkey PRIMARY KEY (id),
    CONSTRAINT accounts_region_code_key UNIQUE (region, code),
    CONSTRAINT accounts_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users (id)
        ON DELETE CASCADE ON UPDATE RESTRICT,
    CONSTRAINT accounts_backup_owner_id_fkey FOREIGN KEY (backup_owner_id) REFERENCES users (id)
        ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT accounts_balance_check CHECK (balance >= 0),
    CONSTRAINT accounts_code_shape CHECK (char_length(code) BETWEEN 2 AND 8 AND region <> '')
);
COMMENT ON COLUMN accounts.balance IS 'In cents';

CREATE TABLE memberships (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE SET DEFAULT DEFERRABLE,
    user_id integer NOT NULL,
    account_code text NOT NULL,
    account_region text NOT NULL,
    PRIMARY KEY (user_id, account_id),
    FOREIGN KEY (account_code, account_region) REFERENCES accounts (code, region) ON UPDATE CASCADE
);

-- Objects the model does not describe: never read, never an error.
CREATE VIEW active_users AS SELECT id, email FROM users WHERE deleted_at IS NULL;
CREATE MATERIALIZED VIEW user_count AS SELECT count(*) AS n FROM users;
CREATE SEQUENCE invoice_numbers;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TABLE forge_version (version_num varchar(32) PRIMARY KEY);
CREATE TABLE forge_history (id serial PRIMARY KEY, revision text NOT NULL);
CREATE TABLE events (id bigint NOT NULL, happened_on date NOT NULL, PRIMARY KEY (id, happened_on))
    PARTITION BY RANGE (happened_on);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE SCHEMA other;
CREATE TABLE other.elsewhere (id integer PRIMARY KEY, code text UNIQUE);

-- A foreign key to a partitioned table (PostgreSQL clones it per partition),
-- one to a table of another schema, and an index with INCLUDE columns.
CREATE TABLE event_links (
    event_id bigint NOT NULL,
    happened_on date NOT NULL,
    elsewhere_code text REFERENCES other.elsewhere (code),
    FOREIGN KEY (event_id, happened_on) REFERENCES events (id, happened_on) ON DELETE CASCADE
);
CREATE INDEX ix_event_links_event ON event_links (event_id DESC) INCLUDE (happened_on);
"#;

/// The sequence of a serial or identity column, read with its name only
/// when its options are the defaults.
fn sequence(name: &str) -> Option<Sequence> {
    Some(Sequence {
        name: Some(name.into()),
        ..Sequence::default()
    })
}

fn expected_users() -> Table {
    let mut users = Table::new("users");
    users.comment = Some("People who log in".into());
    // `serial` reads as serial (an owned sequence feeding the default), not as an identity.
    let mut id = column("id", ColumnType::Integer, false);
    id.identity = Some(Identity::Serial);
    id.sequence = sequence("users_id_seq");
    let mut email = column("email", ColumnType::varchar(255), false);
    email.comment = Some("Login, unique".into());
    users.columns = vec![
        id,
        email,
        column("name", ColumnType::Text, true),
        // Defaults as PostgreSQL prints them, never rewritten.
        with_default(
            column("status", ColumnType::varchar(20), false),
            "'active'::character varying",
        ),
        with_default(column("role", ColumnType::Text, true), "'member'::text"),
        with_default(column("active", ColumnType::Boolean, false), "true"),
        with_default(column("score", ColumnType::Integer, true), "'-1'::integer"),
        with_default(column("ratio", ColumnType::Double, true), "0.5"),
        with_default(
            column(
                "amount",
                ColumnType::Numeric {
                    precision: Some(10),
                    scale: Some(2),
                },
                true,
            ),
            "0.00",
        ),
        with_default(column("token", ColumnType::Uuid, true), "gen_random_uuid()"),
        with_default(column("settings", ColumnType::Jsonb, false), "'{}'::jsonb"),
        with_default(
            column(
                "feeling",
                ColumnType::Enum {
                    name: "mood".into(),
                },
                true,
            ),
            "'ok'::mood",
        ),
        with_default(
            column("created_at", ColumnType::TIMESTAMPTZ, false),
            "CURRENT_TIMESTAMP",
        ),
        with_default(
            column("updated_at", ColumnType::TIMESTAMPTZ, false),
            "now()",
        ),
        with_default(column("seen_on", ColumnType::Date, true), "CURRENT_DATE"),
        column("deleted_at", ColumnType::TIMESTAMPTZ, true),
    ];
    users.primary_key = Some(PrimaryKey {
        name: "users_pkey".into(),
        columns: strings(&["id"]),
    });
    users.uniques = vec![UniqueConstraint::new("users_email_key", &["email"])];
    let index = Index::new;
    users.indexes = vec![
        Index {
            predicate: Some("deleted_at IS NULL".into()),
            ..index("ix_users_live_email", vec![IndexKey::column("email")])
        },
        index(
            "ix_users_lower_email",
            vec![IndexKey::expression("lower(email::text)")],
        ),
        index(
            "ix_users_lower_name_desc",
            vec![IndexKey::expression("lower(name)").desc()],
        ),
        index(
            "ix_users_recent",
            vec![
                IndexKey::column("created_at").desc(),
                IndexKey::column("id"),
            ],
        ),
        Index {
            method: Some("hash".into()),
            ..index("ix_users_token", vec![IndexKey::column("token")])
        },
        Index {
            unique: true,
            ..index("ux_users_name", vec![IndexKey::column("name")])
        },
    ];
    users
}

fn expected_accounts() -> Table {
    let mut accounts = Table::new("accounts");
    let mut id = column("id", ColumnType::BigInt, false);
    id.identity = Some(Identity::Always);
    id.sequence = sequence("accounts_id_seq");
    let mut number = column("number", ColumnType::Integer, false);
    number.identity = Some(Identity::ByDefault);
    number.sequence = sequence("accounts_number_seq");
    let mut balance = with_default(
        column(
            "balance",
            ColumnType::Numeric {
                precision: Some(12),
                scale: Some(2),
            },
            false,
        ),
        "0",
    );
    balance.comment = Some("In cents".into());
    accounts.columns = vec![
        id,
        number,
        column("owner_id", ColumnType::Integer, false),
        column("backup_owner_id", ColumnType::Integer, true),
        column("region", ColumnType::Text, false),
        column("code", ColumnType::Text, false),
        balance,
    ];
    accounts.primary_key = Some(PrimaryKey {
        name: "accounts_pkey".into(),
        columns: strings(&["id"]),
    });
    accounts.uniques = vec![UniqueConstraint::new(
        "accounts_region_code_key",
        &["region", "code"],
    )];
    accounts.foreign_keys = vec![
        ForeignKey {
            on_delete: ReferentialAction::SetNull,
            deferrable: Deferrable::InitiallyDeferred,
            ..ForeignKey::new(
                "accounts_backup_owner_id_fkey",
                &["backup_owner_id"],
                "users",
                &["id"],
            )
        },
        ForeignKey {
            on_delete: ReferentialAction::Cascade,
            on_update: ReferentialAction::Restrict,
            ..ForeignKey::new("accounts_owner_id_fkey", &["owner_id"], "users", &["id"])
        },
    ];
    accounts.checks = vec![
        CheckConstraint::new("accounts_balance_check", "balance >= 0::numeric"),
        CheckConstraint::new(
            "accounts_code_shape",
            "char_length(code) >= 2 AND char_length(code) <= 8 AND region <> ''::text",
        ),
    ];
    accounts
}

fn expected_memberships() -> Table {
    let mut memberships = Table::new("memberships");
    memberships.columns = vec![
        column("account_id", ColumnType::BigInt, false),
        column("user_id", ColumnType::Integer, false),
        column("account_code", ColumnType::Text, false),
        column("account_region", ColumnType::Text, false),
    ];
    // Key order, not column order.
    memberships.primary_key = Some(PrimaryKey {
        name: "memberships_pkey".into(),
        columns: strings(&["user_id", "account_id"]),
    });
    memberships.foreign_keys = vec![
        ForeignKey {
            on_update: ReferentialAction::Cascade,
            // The referenced columns in the FK's order, not the unique constraint's.
            ..ForeignKey::new(
                "memberships_account_code_account_region_fkey",
                &["account_code", "account_region"],
                "accounts",
                &["code", "region"],
            )
        },
        ForeignKey {
            on_delete: ReferentialAction::SetDefault,
            deferrable: Deferrable::InitiallyImmediate,
            ..ForeignKey::new(
                "memberships_account_id_fkey",
                &["account_id"],
                "accounts",
                &["id"],
            )
        },
    ];
    memberships
}

fn expected_event_links() -> Table {
    let mut links = Table::new("event_links");
    links.columns = vec![
        column("event_id", ColumnType::BigInt, false),
        column("happened_on", ColumnType::Date, false),
        column("elsewhere_code", ColumnType::Text, true),
    ];
    links.foreign_keys = vec![
        ForeignKey {
            referenced_schema: Some("other".into()),
            ..ForeignKey::new(
                "event_links_elsewhere_code_fkey",
                &["elsewhere_code"],
                "elsewhere",
                &["code"],
            )
        },
        ForeignKey {
            on_delete: ReferentialAction::Cascade,
            ..ForeignKey::new(
                "event_links_event_id_happened_on_fkey",
                &["event_id", "happened_on"],
                "events",
                &["id", "happened_on"],
            )
        },
    ];
    // INCLUDE columns are not keys.
    links.indexes = vec![Index {
        include: vec!["happened_on".into()],
        ..Index::new(
            "ix_event_links_event",
            vec![IndexKey::column("event_id").desc()],
        )
    }];
    links
}

fn expected_events() -> Table {
    let mut events = Table::new("events");
    events.columns = vec![
        column("id", ColumnType::BigInt, false),
        column("happened_on", ColumnType::Date, false),
    ];
    events.primary_key = Some(PrimaryKey {
        name: "events_pkey".into(),
        columns: strings(&["id", "happened_on"]),
    });
    events.partition_by = Some("RANGE (happened_on)".into());
    events
}

#[tokio::test]
async fn a_hand_written_schema_reads_back_exactly() {
    let db = TestDatabase::create().await;
    db.execute(SHOP).await;
    let schema = read(&db).await;

    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["accounts", "event_links", "events", "memberships", "users"],
        "views, partitions, Forge's tables and other schemas are left out; tables are sorted"
    );
    // What is not a managed table is listed, never silently left out.
    let unmanaged: Vec<String> = schema.unmanaged.iter().map(|o| o.to_string()).collect();
    assert_eq!(
        unmanaged,
        [
            "sequence invoice_numbers",
            "function touch()",
            "view active_users",
            "materialized view user_count",
            "partition events_2025 of events",
            "trigger users_touch on users",
        ]
    );
    assert_eq!(schema.table("users"), Some(&expected_users()));
    assert_eq!(schema.table("accounts"), Some(&expected_accounts()));
    assert_eq!(schema.table("memberships"), Some(&expected_memberships()));
    assert_eq!(schema.table("events"), Some(&expected_events()));
    assert_eq!(schema.table("event_links"), Some(&expected_event_links()));
    assert_eq!(
        schema.enums,
        vec![
            EnumType::new("mood", &["sad", "meh", "ok", "happy", "ecstatic"]),
            EnumType::new("size", &["small", "large"]),
        ],
        "labels come in their sort order, including values added later"
    );
}

/// What a model author writes in `default = "..."` is the same default as
/// what PostgreSQL prints for it, once the server settles the spelling: no
/// change, and no rewrite of either text.
#[tokio::test]
async fn model_defaults_settle_against_what_postgresql_prints() {
    let db = TestDatabase::create().await;
    db.execute(SHOP).await;
    let mut conn = connect(&db, "public").await;
    // `event_links` references a table of schema `other`: the models would name it too.
    let options = IntrospectOptions::default().with_schemas(["other".to_string()]);
    let mut desired = introspect_with(&mut conn, "public", &options)
        .await
        .unwrap()
        .schema;
    let users = desired
        .tables
        .iter_mut()
        .find(|t| t.name == "users")
        .unwrap();
    for (column, model_default) in [
        ("status", "'active'"),
        ("role", "'member'"),
        ("active", "TRUE"),
        ("score", "-1"),
        ("ratio", "0.5"),
        ("amount", "'0.00'"),
        ("settings", "'{}'"),
        ("feeling", "'ok'"),
        ("updated_at", "now()"),
        ("created_at", "now()"),
        ("token", "gen_random_uuid()"),
    ] {
        let c = users.columns.iter_mut().find(|c| c.name == column).unwrap();
        c.default = Some(model_default.to_string());
    }
    let accounts = desired
        .tables
        .iter_mut()
        .find(|t| t.name == "accounts")
        .unwrap();
    accounts.checks[0].expression = "balance >= 0".into();
    accounts.checks[1].expression = "char_length(code) BETWEEN 2 AND 8 AND region <> ''".into();
    let changes = forge_core::autogenerate::compare(&mut conn, "public", &options, &desired)
        .await
        .unwrap();
    assert!(changes.is_empty(), "{changes:#?}");
    // A default that means something else is a change, settled or not.
    let users = desired
        .tables
        .iter_mut()
        .find(|t| t.name == "users")
        .unwrap();
    users
        .columns
        .iter_mut()
        .find(|c| c.name == "status")
        .unwrap()
        .default = Some("'Active'".into());
    let changes = forge_core::autogenerate::compare(&mut conn, "public", &options, &desired)
        .await
        .unwrap();
    assert_eq!(
        changes.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        ["~ column users.status: default 'active'::character varying -> 'Active'"]
    );
}

#[tokio::test]
async fn another_schema_and_extra_ignored_tables() {
    let db = TestDatabase::create().await;
    db.execute(SHOP).await;
    db.execute("CREATE TABLE other.audit_log (id integer); CREATE TYPE other.color AS ENUM ('red', 'green');").await;

    let other = introspect(&mut connect(&db, "other").await, "other")
        .await
        .unwrap();
    let names: Vec<&str> = other.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["audit_log", "elsewhere"]);
    assert_eq!(other.enums, vec![EnumType::new("color", &["red", "green"])]);

    let options = IntrospectOptions::default().ignoring("audit_log");
    let mut conn = connect(&db, "other").await;
    let read = conn.introspect_schema("other", &options).await.unwrap();
    let names: Vec<&str> = read.schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["elsewhere"]);
    assert_eq!(read.stats.queries, QUERY_COUNT);
}

#[tokio::test]
async fn an_empty_schema_is_an_empty_model_and_a_missing_one_an_error() {
    let db = TestDatabase::create().await;
    assert_eq!(read(&db).await, Schema::default());

    let mut conn = connect(&db, "public").await;
    let error = introspect(&mut conn, "nowhere").await.unwrap_err();
    assert!(
        matches!(error, IntrospectError::MissingSchema { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("`nowhere` does not exist") && message.contains("CREATE SCHEMA"),
        "{message}"
    );
}

/// A TCP proxy in front of the server that counts the statements clients
/// execute (extended-protocol Execute and simple Query messages), so the test
/// sees what went over the wire, not what the code believes it sent.
struct StatementCounter {
    port: u16,
    statements: Arc<AtomicUsize>,
}

impl StatementCounter {
    async fn start(server: std::net::SocketAddr) -> StatementCounter {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = TcpStream::connect(server).await.unwrap();
                tokio::spawn(relay(client, upstream, counter.clone()));
            }
        });
        StatementCounter { port, statements }
    }

    fn count(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }
}

async fn relay(client: TcpStream, upstream: TcpStream, statements: Arc<AtomicUsize>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = upstream.into_split();
    let back =
        tokio::spawn(async move { tokio::io::copy(&mut server_read, &mut client_write).await });
    // Client messages: the untyped startup packet(s), then `type, length, body`.
    let mut pending: Vec<u8> = Vec::new();
    let mut started = false;
    let mut buffer = [0u8; 64 * 1024];
    loop {
        let n = match client_read.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if server_write.write_all(&buffer[..n]).await.is_err() {
            break;
        }
        pending.extend_from_slice(&buffer[..n]);
        loop {
            let header = if started { 5 } else { 4 };
            if pending.len() < header {
                break;
            }
            let at = if started { 1 } else { 0 };
            let length = u32::from_be_bytes(pending[at..at + 4].try_into().unwrap()) as usize;
            let total = at + length;
            if pending.len() < total {
                break;
            }
            if started {
                if matches!(pending[0], b'E' | b'Q') {
                    statements.fetch_add(1, Ordering::SeqCst);
                }
            } else {
                // The startup message carries protocol 3.0; an SSL request does not.
                let code = u32::from_be_bytes(pending[4..8].try_into().unwrap());
                started = code == 196_608;
            }
            pending.drain(..total);
        }
    }
    back.abort();
}

async fn statements_for_one_introspection(db: &TestDatabase) -> (usize, usize) {
    let server_options: sqlx::postgres::PgConnectOptions = db.url.parse().unwrap();
    let host = server_options.get_host().to_string();
    let address = tokio::net::lookup_host((host.as_str(), server_options.get_port()))
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = StatementCounter::start(address).await;
    let options = server_options
        .port(proxy.port)
        .host("127.0.0.1")
        .ssl_mode(sqlx::postgres::PgSslMode::Disable);
    let mut conn = forge_core::database::connect_with("proxy", options, Some("public"))
        .await
        .unwrap();
    let before = proxy.count();
    let read = introspect_with(&mut conn, "public", &IntrospectOptions::default())
        .await
        .unwrap();
    (proxy.count() - before, read.stats.queries)
}

#[tokio::test]
async fn the_number_of_catalog_queries_does_not_grow_with_the_tables() {
    let small = TestDatabase::create().await;
    let large = TestDatabase::create().await;
    let mut small_ddl = String::from(SHOP);
    let mut large_ddl = String::from(SHOP);
    for i in 0..57 {
        let ddl = format!(
            "CREATE TABLE extra_{i} (id serial PRIMARY KEY, code text UNIQUE, owner_id integer REFERENCES users (id), \
             amount numeric(8,2) CHECK (amount > 0), note varchar(20) DEFAULT 'x'); \
             CREATE INDEX ix_extra_{i}_note ON extra_{i} (note); COMMENT ON TABLE extra_{i} IS 'extra';\n"
        );
        large_ddl.push_str(&ddl);
        if i < 3 {
            small_ddl.push_str(&ddl);
        }
    }
    small.execute(&small_ddl).await;
    large.execute(&large_ddl).await;
    assert_eq!(read(&small).await.tables.len(), 8);
    assert_eq!(read(&large).await.tables.len(), 62);

    let (small_statements, small_reported) = statements_for_one_introspection(&small).await;
    let (large_statements, large_reported) = statements_for_one_introspection(&large).await;
    assert_eq!(
        small_statements, QUERY_COUNT,
        "statements on the wire for 8 tables"
    );
    assert_eq!(
        large_statements, QUERY_COUNT,
        "statements on the wire for 62 tables"
    );
    assert_eq!((small_reported, large_reported), (QUERY_COUNT, QUERY_COUNT));
}

#[tokio::test]
async fn introspecting_twice_gives_the_same_model() {
    let db = TestDatabase::create().await;
    db.execute(SHOP).await;
    let mut conn = connect(&db, "public").await;
    let first = postgres::introspect(&mut conn, "public").await.unwrap();
    let second = postgres::introspect(&mut conn, "public").await.unwrap();
    assert_eq!(first, second);
    assert_eq!(
        serde_json::to_string(&first).unwrap(),
        serde_json::to_string(&second).unwrap()
    );
}

/// The error autogenerate's comparison of `desired` with the database gives.
async fn comparison_error(db: &TestDatabase, desired: &Schema) -> String {
    let mut conn = connect(db, "public").await;
    forge_core::autogenerate::compare(&mut conn, "public", &IntrospectOptions::default(), desired)
        .await
        .unwrap_err()
        .to_string()
}

/// A type the model keeps verbatim that PostgreSQL does not know is one clear
/// sentence at `migrate revision`, naming the column, never SQL that fails at
/// upgrade.
#[tokio::test]
async fn an_unknown_verbatim_type_is_a_clear_error_before_any_sql() {
    let db = TestDatabase::create().await;
    let mut table = Table::new("events");
    table.columns = vec![
        column("id", ColumnType::BigInt, false),
        column("origin", ColumnType::custom("geography(Point, 4326)"), true),
    ];
    let desired = Schema {
        tables: vec![table],
        ..Schema::default()
    };
    let err = comparison_error(&db, &desired).await;
    assert!(
        err.starts_with("column `events.origin` has type `geography(Point, 4326)`, which PostgreSQL does not know"),
        "{err}"
    );
    assert!(err.contains("CREATE EXTENSION"), "{err}");
}

/// A foreign key column whose verbatim type the server settles to another
/// type than the referenced key's is refused before any SQL is written.
#[tokio::test]
async fn a_foreign_key_of_another_type_is_refused_once_the_server_settles_it() {
    let db = TestDatabase::create().await;
    let mut users = Table::new("users");
    users.columns = vec![column("id", ColumnType::BigInt, false)];
    users.primary_key = Some(PrimaryKey {
        name: "users_pkey".into(),
        columns: strings(&["id"]),
    });
    let mut orders = Table::new("orders");
    orders.columns = vec![
        column("id", ColumnType::BigInt, false),
        // `int4` is `integer`: not the `bigint` it references.
        column("user_id", ColumnType::custom("int4"), false),
    ];
    orders.foreign_keys.push(ForeignKey::new(
        "orders_user_id_fkey",
        &["user_id"],
        "users",
        &["id"],
    ));
    let desired = Schema {
        tables: vec![orders, users],
        ..Schema::default()
    };
    let err = comparison_error(&db, &desired).await;
    assert!(
        err.contains("foreign key `orders_user_id_fkey` on `orders.user_id` (integer) references `users.id` (bigint)"),
        "{err}"
    );
}
