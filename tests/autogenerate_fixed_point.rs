//! The fixed point of autogenerate, against the real PostgreSQL: for each case
//! (model A -> model B), bring an empty schema to A, autogenerate and apply the
//! upgrade to B, autogenerate again and expect nothing, check the rows the
//! change promises to keep, apply the downgrade and expect exactly what
//! introspection read at A, then downgrade to empty. Each case runs in its
//! own PostgreSQL schema of one database per test.
//!
//! "Migrate, autogenerate again, nothing" must hold for every spelling a user
//! can write: types come both through `#[derive(EntityTable)]`'s `sql_type`
//! (parsed at compile time) and as verbatim types (settled by the server).

use forge::model::{
    naming, CheckConstraint, Column, ColumnType, Deferrable, EnumType, ForeignKey, Identity, Index,
    IndexKey, MatchType, NullsOrder, PrimaryKey, ReferentialAction, Schema, Sequence, Table,
    UniqueConstraint,
};
use forge::EntityTable;
use forge_core::autogenerate::{changes, revision_bodies, RevisionBody};
use forge_core::database;
use forge_core::introspect::postgres::introspect_with;
use forge_core::introspect::IntrospectOptions;
use forge_core::script::split_statements;
use forge_tests::TestDatabase;
use sqlx::{Connection, PgConnection};

struct Case {
    name: String,
    from: Schema,
    to: Schema,
    /// SQL run in the case's schema before A is reached (domains, say).
    setup: Option<String>,
    /// Rows inserted at A, and a query whose single text value after the
    /// upgrade must be `kept.1` (the rows the change promises to keep).
    seed: Option<String>,
    kept: Option<(String, String)>,
    /// Text the upgrade must contain, and text it must not: how the change
    /// is made (a rename, not a drop and an add).
    says: Vec<String>,
    never_says: Vec<String>,
}

fn case(name: impl Into<String>, from: Schema, to: Schema) -> Case {
    Case {
        name: name.into(),
        from,
        to,
        setup: None,
        seed: None,
        kept: None,
        says: Vec::new(),
        never_says: Vec::new(),
    }
}

fn created(name: impl Into<String>, to: Schema) -> Case {
    case(name, Schema::default(), to)
}

impl Case {
    fn setup(mut self, sql: &str) -> Self {
        self.setup = Some(sql.to_string());
        self
    }

    fn says(mut self, text: &[&str]) -> Self {
        self.says.extend(text.iter().map(|t| t.to_string()));
        self
    }

    fn never_says(mut self, text: &[&str]) -> Self {
        self.never_says.extend(text.iter().map(|t| t.to_string()));
        self
    }

    /// Rows inserted at A; after the upgrade `query` must return `expected`.
    fn keeps(mut self, seed: &str, query: &str, expected: &str) -> Self {
        self.seed = Some(seed.to_string());
        self.kept = Some((query.to_string(), expected.to_string()));
        self
    }
}

// ---- model builders -------------------------------------------------------

fn col(name: &str, t: ColumnType) -> Column {
    Column::new(name, t, false)
}

fn nullable(name: &str, t: ColumnType) -> Column {
    Column::new(name, t, true)
}

fn with_default(mut c: Column, default: &str) -> Column {
    c.default = Some(default.to_string());
    c
}

fn table(name: &str, mut columns: Vec<Column>) -> Table {
    let mut t = Table::new(name);
    columns.insert(0, col("id", ColumnType::BigInt));
    t.columns = columns;
    t.primary_key = Some(PrimaryKey {
        name: naming::primary_key(name),
        columns: vec!["id".into()],
    });
    t
}

fn schema(tables: Vec<Table>) -> Schema {
    Schema {
        tables,
        ..Schema::default()
    }
    .normalized()
}

fn with_enums(tables: Vec<Table>, enums: Vec<EnumType>) -> Schema {
    Schema {
        tables,
        enums,
        ..Schema::default()
    }
    .normalized()
}

fn mood(labels: &[&str]) -> EnumType {
    EnumType::new("mood", labels)
}

fn mood_type() -> ColumnType {
    ColumnType::Enum {
        name: "mood".into(),
    }
}

fn index(table: &str, columns: &[&str]) -> Index {
    Index::new(
        naming::index(table, columns),
        columns.iter().map(|c| IndexKey::column(*c)).collect(),
    )
}

fn unique(table: &str, columns: &[&str]) -> UniqueConstraint {
    UniqueConstraint::new(naming::unique(table, columns), columns)
}

fn fk(table: &str, column: &str, target: &str, on_delete: ReferentialAction) -> ForeignKey {
    ForeignKey {
        on_delete,
        ..ForeignKey::new(
            naming::foreign_key(table, &[column]),
            &[column],
            target,
            &["id"],
        )
    }
}

fn check(table: &str, column: &str, expression: &str) -> CheckConstraint {
    CheckConstraint::new(naming::check(table, column), expression)
}

/// Every modelled column type with a default PostgreSQL accepts for it.
fn types() -> Vec<(&'static str, ColumnType, &'static str)> {
    vec![
        ("smallint", ColumnType::SmallInt, "1"),
        ("integer", ColumnType::Integer, "42"),
        ("bigint", ColumnType::BigInt, "-7"),
        ("real", ColumnType::Real, "1.5"),
        ("double", ColumnType::Double, "0.25"),
        (
            "numeric_10_2",
            ColumnType::Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            "9.99",
        ),
        (
            "numeric",
            ColumnType::Numeric {
                precision: None,
                scale: None,
            },
            "0",
        ),
        ("boolean", ColumnType::Boolean, "false"),
        ("text", ColumnType::Text, "'it''s'"),
        ("varchar_50", ColumnType::varchar(50), "'hello'"),
        ("varchar", ColumnType::Varchar { length: None }, "''"),
        ("char_3", ColumnType::Char { length: 3 }, "'abc'"),
        ("bytea", ColumnType::Bytes, "'\\x0102'"),
        ("uuid", ColumnType::Uuid, "gen_random_uuid()"),
        ("date", ColumnType::Date, "CURRENT_DATE"),
        ("time", ColumnType::TIME, "'12:00:00'"),
        (
            "time_3",
            ColumnType::Time { precision: Some(3) },
            "LOCALTIME",
        ),
        (
            "timetz",
            ColumnType::TimeTz { precision: None },
            "CURRENT_TIME",
        ),
        ("timestamp", ColumnType::TIMESTAMP, "now()"),
        (
            "timestamp_0",
            ColumnType::Timestamp { precision: Some(0) },
            "LOCALTIMESTAMP(0)",
        ),
        ("timestamptz", ColumnType::TIMESTAMPTZ, "CURRENT_TIMESTAMP"),
        (
            "timestamptz_6",
            ColumnType::TimestampTz { precision: Some(6) },
            "now()",
        ),
        ("interval", ColumnType::INTERVAL, "'1 day'"),
        (
            "interval_2",
            ColumnType::Interval { precision: Some(2) },
            "'1.25 seconds'",
        ),
        ("json", ColumnType::Json, "'{}'"),
        ("jsonb", ColumnType::Jsonb, "'[]'"),
        (
            "integer_array",
            ColumnType::array(ColumnType::Integer),
            "'{1,2}'",
        ),
        ("text_array", ColumnType::array(ColumnType::Text), "'{}'"),
        ("enum", mood_type(), "'ok'"),
        ("enum_array", ColumnType::array(mood_type()), "'{}'"),
        ("inet", ColumnType::custom("inet"), "'127.0.0.1'"),
    ]
}

fn typed_schema(t: &ColumnType, column: Column) -> Schema {
    let enums = if t.enum_name().is_some() {
        vec![mood(&["sad", "ok", "happy"])]
    } else {
        vec![]
    };
    with_enums(vec![table("t", vec![column])], enums)
}

/// Each type, nullable without a default and NOT NULL with one.
fn type_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (name, t, default) in types() {
        cases.push(created(
            format!("{name} nullable"),
            typed_schema(&t, nullable("v", t.clone())),
        ));
        cases.push(created(
            format!("{name} not null with default {default}"),
            typed_schema(&t, with_default(col("v", t.clone()), default)),
        ));
    }
    cases
}

// ---- every spelling of every type --------------------------------------------

/// SQL run in each spelling case's schema: the domain and the extension
/// types some spellings name.
const SPELLING_SETUP: &str = "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');";

/// Declares one entity per `sql_type` spelling (parsed by the derive at
/// compile time) and lists them with their spelling.
macro_rules! spellings {
    ($($entity:ident: $sql:tt,)*) => {
        $(
            #[derive(EntityTable)]
            #[forge(table = "t")]
            #[allow(dead_code)]
            struct $entity {
                #[forge(primary_key)]
                id: i64,
                #[forge(sql_type = $sql)]
                v: Option<String>,
            }
        )*

        fn derived_spellings() -> Vec<(&'static str, Table)> {
            vec![$(($sql, $entity::definition().to_table())),*]
        }
    };
}

spellings! {
    SmallintSpelling: "smallint",
    Int2Spelling: "int2",
    IntegerSpelling: "integer",
    IntSpelling: "INT",
    Int4Spelling: "int4",
    BigintSpelling: "bigint",
    Int8Spelling: "int8",
    RealSpelling: "real",
    Float4Spelling: "float4",
    Float1Spelling: "float(1)",
    Float24Spelling: "float(24)",
    DoubleSpelling: "double precision",
    Float8Spelling: "float8",
    FloatSpelling: "float",
    Float53Spelling: "float(53)",
    NumericSpelling: "numeric",
    DecimalSpelling: "decimal",
    Numeric102Spelling: "numeric(10,2)",
    Decimal102Spelling: "DECIMAL(10, 2)",
    Numeric10Spelling: "numeric(10)",
    BooleanSpelling: "boolean",
    BoolSpelling: "bool",
    TextSpelling: "text",
    VarcharSpelling: "varchar",
    CharacterVaryingSpelling: "character varying",
    Varchar40Spelling: "varchar(40)",
    CharacterVarying40Spelling: "Character Varying(40)",
    CharVarying40Spelling: "char varying(40)",
    CharSpelling: "char",
    CharacterSpelling: "character",
    Char2Spelling: "char(2)",
    Character2Spelling: "character(2)",
    Bpchar2Spelling: "bpchar(2)",
    ByteaSpelling: "bytea",
    UuidSpelling: "uuid",
    DateSpelling: "date",
    TimeSpelling: "time",
    TimeWithoutSpelling: "time without time zone",
    Time3Spelling: "time(3)",
    Time3WithoutSpelling: "time(3) without time zone",
    TimetzSpelling: "timetz",
    TimeWithSpelling: "time with time zone",
    Timetz2Spelling: "timetz(2)",
    Time2WithSpelling: "time(2) with time zone",
    TimestampSpelling: "timestamp",
    TimestampWithoutSpelling: "timestamp without time zone",
    Timestamp0Spelling: "timestamp(0)",
    Timestamp6WithoutSpelling: "timestamp(6) without time zone",
    TimestamptzSpelling: "timestamptz",
    TimestampWithSpelling: "timestamp with time zone",
    Timestamptz3Spelling: "timestamptz(3)",
    Timestamp3WithSpelling: "timestamp(3) with time zone",
    IntervalSpelling: "interval",
    Interval2Spelling: "interval(2)",
    IntervalDayToSecondSpelling: "interval day to second(3)",
    IntervalYearToMonthSpelling: "interval year to month",
    IntervalHourSpelling: "interval hour",
    JsonSpelling: "json",
    JsonbSpelling: "jsonb",
    IntArraySpelling: "integer[]",
    Int4ArraySpelling: "int4[]",
    IntArrayKeywordSpelling: "int ARRAY",
    TextArraySpelling: "text[]",
    Varchar10ArraySpelling: "varchar(10)[]",
    CharacterVarying10ArraySpelling: "character varying(10)[]",
    BitSpelling: "bit",
    Bit8Spelling: "bit(8)",
    BitVaryingSpelling: "bit varying",
    Varbit8Spelling: "varbit(8)",
    BitVarying8Spelling: "bit varying(8)",
    MoneySpelling: "money",
    InetSpelling: "inet",
    CidrSpelling: "cidr",
    MacaddrSpelling: "macaddr",
    Macaddr8Spelling: "macaddr8",
    PointSpelling: "point",
    LsegSpelling: "lseg",
    BoxSpelling: "box",
    PathSpelling: "path",
    PolygonSpelling: "polygon",
    CircleSpelling: "circle",
    TsvectorSpelling: "tsvector",
    TsquerySpelling: "tsquery",
    XmlSpelling: "xml",
    OidSpelling: "oid",
    PgLsnSpelling: "pg_lsn",
    Int4rangeSpelling: "int4range",
    Int8rangeSpelling: "int8range",
    NumrangeSpelling: "numrange",
    TsrangeSpelling: "tsrange",
    TstzrangeSpelling: "tstzrange",
    DaterangeSpelling: "daterange",
    Int4multirangeSpelling: "int4multirange",
    InternalCharSpelling: "\"char\"",
    DomainSpelling: "email",
    DomainArraySpelling: "email[]",
    ExtensionSpelling: "public.citext",
    ExtensionArraySpelling: "public.hstore[]",
}

/// Declares one entity per serial spelling: the key column is a serial.
macro_rules! serial_spellings {
    ($($entity:ident: $sql:tt,)*) => {
        $(
            #[derive(EntityTable)]
            #[forge(table = "t")]
            #[allow(dead_code)]
            struct $entity {
                #[forge(primary_key, sql_type = $sql)]
                id: i64,
            }
        )*

        fn derived_serials() -> Vec<(&'static str, Table)> {
            vec![$(($sql, $entity::definition().to_table())),*]
        }
    };
}

serial_spellings! {
    SerialSpelling: "serial",
    Serial4Spelling: "serial4",
    BigserialSpelling: "bigserial",
    Serial8Spelling: "SERIAL8",
    SmallserialSpelling: "smallserial",
    Serial2Spelling: "serial2",
}

/// The same spellings, as verbatim types the server settles (what a model
/// built by hand, or read from JSON, says).
const VERBATIM_SPELLINGS: &[&str] = &[
    "int2",
    "INT",
    "int8",
    "float4",
    "float(24)",
    "float",
    "decimal(10, 2)",
    "numeric(10)",
    "bool",
    "character varying(40)",
    "character",
    "bpchar(2)",
    "time(3) without time zone",
    "time with time zone",
    "timestamp(0)",
    "timestamp with time zone",
    "interval(2)",
    "interval day to second(3)",
    "_int4",
    "int ARRAY",
    "character varying(10)[]",
    "bit",
    "varbit(8)",
    "public.email_address",
    "email",
    "public.citext",
    "PUBLIC.CITEXT",
    "public.hstore",
];

fn spelling_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = derived_spellings()
        .into_iter()
        .chain(derived_serials())
        .map(|(sql, t)| {
            created(format!("sql_type = {sql:?} (derive)"), schema(vec![t])).setup(SPELLING_SETUP)
        })
        .collect();
    for sql in VERBATIM_SPELLINGS {
        cases.push(
            created(
                format!("{sql:?} (verbatim, settled by the server)"),
                schema(vec![table(
                    "t",
                    vec![nullable("v", ColumnType::custom(*sql))],
                )]),
            )
            .setup(SPELLING_SETUP),
        );
    }
    // A type whose spelling changes but not its meaning is no change at all;
    // a real type change after it is.
    cases.push(
        case(
            "int4 to bigint through verbatim spellings",
            schema(vec![table(
                "t",
                vec![nullable("v", ColumnType::custom("int4"))],
            )]),
            schema(vec![table(
                "t",
                vec![nullable("v", ColumnType::custom("INT8"))],
            )]),
        )
        .keeps(
            "INSERT INTO t VALUES (1, 2147483647)",
            "SELECT string_agg(v::text, ',') FROM t",
            "2147483647",
        ),
    );
    cases
}

// ---- keys, constraints, indexes, columns ------------------------------------

fn people() -> Table {
    table(
        "people",
        vec![
            col("name", ColumnType::varchar(100)),
            nullable("age", ColumnType::Integer),
        ],
    )
}

fn pets(on_delete: ReferentialAction) -> Table {
    let mut t = table("pets", vec![col("owner_id", ColumnType::BigInt)]);
    t.foreign_keys
        .push(fk("pets", "owner_id", "people", on_delete));
    t
}

fn with(t: Table, f: impl FnOnce(&mut Table)) -> Table {
    let mut t = t;
    f(&mut t);
    t
}

fn constraint_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut t = people();
    t.indexes.push(index("people", &["name"]));
    cases.push(created("plain index", schema(vec![t])));

    let mut t = people();
    t.uniques.push(unique("people", &["name"]));
    cases.push(created("unique", schema(vec![t])));

    let mut t = people();
    t.uniques.push(unique("people", &["name", "age"]));
    t.indexes.push(index("people", &["age", "name"]));
    cases.push(created("composite unique and index", schema(vec![t])));

    let mut t = people();
    t.indexes.push(Index {
        predicate: Some("age IS NOT NULL".into()),
        ..index("people", &["age"])
    });
    cases.push(created("partial index", schema(vec![t])));

    let mut t = people();
    t.indexes.push(Index {
        unique: true,
        ..Index::new(
            "ux_people_lower_name",
            vec![IndexKey::expression("lower(name)")],
        )
    });
    cases.push(created(
        "unique expression index, model spelling",
        schema(vec![t]),
    ));

    let mut t = people();
    t.indexes.push(Index {
        keys: vec![IndexKey::column("age").desc()],
        ..index("people", &["age"])
    });
    cases.push(created("descending index", schema(vec![t])));

    let mut t = people();
    t.indexes.push(Index::new(
        "ix_people_lower_name_desc",
        vec![
            IndexKey::expression("lower((name)::text)").desc(),
            IndexKey::column("age"),
        ],
    ));
    cases.push(created("descending expression index", schema(vec![t])));

    for (name, nulls, descending) in [
        ("ascending NULLS FIRST", NullsOrder::First, false),
        ("descending NULLS LAST", NullsOrder::Last, true),
    ] {
        let mut key = IndexKey::column("age");
        key.descending = descending;
        key.nulls = Some(nulls);
        let mut t = people();
        t.indexes.push(Index {
            keys: vec![key],
            ..index("people", &["age"])
        });
        cases.push(created(format!("index {name}"), schema(vec![t])));
    }

    let mut t = people();
    t.indexes.push(Index::new(
        "ix_people_name_pattern",
        vec![IndexKey {
            opclass: Some("varchar_pattern_ops".into()),
            ..IndexKey::column("name")
        }],
    ));
    cases.push(created("operator class", schema(vec![t])));

    let mut t = people();
    t.indexes.push(Index {
        include: vec!["age".into()],
        ..index("people", &["name"])
    });
    cases.push(created("INCLUDE columns", schema(vec![t])));

    let mut t = people();
    t.indexes.push(Index {
        unique: true,
        nulls_not_distinct: true,
        ..index("people", &["age"])
    });
    cases.push(created("unique index NULLS NOT DISTINCT", schema(vec![t])));

    let mut t = people();
    t.uniques.push(UniqueConstraint {
        nulls_not_distinct: true,
        ..unique("people", &["age"])
    });
    cases.push(created(
        "unique constraint NULLS NOT DISTINCT",
        schema(vec![t]),
    ));

    for method in ["hash", "brin"] {
        let mut t = people();
        t.indexes.push(Index {
            method: Some(method.into()),
            ..index("people", &["age"])
        });
        cases.push(created(format!("{method} index"), schema(vec![t])));
    }
    let docs = table(
        "docs",
        vec![
            nullable("tags", ColumnType::array(ColumnType::Text)),
            nullable("body", ColumnType::custom("tsvector")),
            nullable("span", ColumnType::custom("tstzrange")),
            nullable("title", ColumnType::Text),
        ],
    );
    cases.push(created(
        "gin, gist and trigram indexes",
        schema(vec![with(docs, |t| {
            t.indexes.push(Index {
                method: Some("gin".into()),
                ..index("docs", &["tags"])
            });
            t.indexes.push(Index {
                method: Some("gist".into()),
                ..index("docs", &["span"])
            });
            t.indexes.push(Index {
                method: Some("gin".into()),
                ..Index::new(
                    "ix_docs_title_trgm",
                    vec![IndexKey {
                        opclass: Some("public.gin_trgm_ops".into()),
                        ..IndexKey::column("title")
                    }],
                )
            });
            t.indexes.push(Index {
                method: Some("gin".into()),
                ..index("docs", &["body"])
            });
        })]),
    ));

    for action in [
        ReferentialAction::NoAction,
        ReferentialAction::Restrict,
        ReferentialAction::Cascade,
        ReferentialAction::SetNull,
        ReferentialAction::SetDefault,
    ] {
        cases.push(created(
            format!("foreign key on delete {}", action.sql()),
            schema(vec![people(), pets(action)]),
        ));
    }
    for deferrable in [
        Deferrable::InitiallyImmediate,
        Deferrable::InitiallyDeferred,
    ] {
        let mut p = pets(ReferentialAction::Cascade);
        p.foreign_keys[0].on_update = ReferentialAction::Cascade;
        p.foreign_keys[0].deferrable = deferrable;
        cases.push(created(
            format!("foreign key on update cascade, {}", deferrable.sql()),
            schema(vec![people(), p]),
        ));
    }
    let mut p = pets(ReferentialAction::NoAction);
    p.foreign_keys[0].name = "pets_belong_to_people".into();
    p.foreign_keys[0].match_type = MatchType::Full;
    cases.push(created(
        "named foreign key MATCH FULL",
        schema(vec![people(), p]),
    ));

    let mut a = table("a", vec![nullable("b_id", ColumnType::BigInt)]);
    a.foreign_keys
        .push(fk("a", "b_id", "b", ReferentialAction::SetNull));
    let mut b = table("b", vec![nullable("a_id", ColumnType::BigInt)]);
    b.foreign_keys
        .push(fk("b", "a_id", "a", ReferentialAction::NoAction));
    cases.push(created("foreign key cycle", schema(vec![a, b])));

    let mut tree = table("tree", vec![nullable("parent_id", ColumnType::BigInt)]);
    tree.foreign_keys
        .push(fk("tree", "parent_id", "tree", ReferentialAction::Cascade));
    cases.push(created("self reference", schema(vec![tree])));

    let mut t = table(
        "products",
        vec![
            col("price", ColumnType::Double),
            col("qty", ColumnType::Integer),
        ],
    );
    t.checks.push(check("products", "price", "price > 0"));
    t.checks
        .push(check("products", "qty", "(qty >= 0) AND (qty <= 1000)"));
    cases.push(created("checks", schema(vec![t])));

    let mut t = table("named", vec![col("name", ColumnType::varchar(20))]);
    t.checks
        .push(check("named", "name", "char_length(name) >= 3"));
    cases.push(created(
        "check with a cast PostgreSQL adds",
        schema(vec![t]),
    ));

    let flags = || {
        table(
            "flags",
            vec![
                col("a", ColumnType::Boolean),
                col("b", ColumnType::Boolean),
                col("c", ColumnType::Boolean),
            ],
        )
    };
    for (name, expression) in [
        ("(a AND b) OR c", "(a AND b) OR c"),
        ("a AND (b OR c)", "a AND (b OR c)"),
    ] {
        let mut t = flags();
        t.checks
            .push(CheckConstraint::new("flags_shape", expression));
        cases.push(created(format!("named check {name}"), schema(vec![t])));
    }

    let mut t = table(
        "periods",
        vec![
            col("starts_at", ColumnType::TIMESTAMPTZ),
            nullable("ends_at", ColumnType::TIMESTAMPTZ),
        ],
    );
    t.checks.push(CheckConstraint::new(
        naming::table_check("periods"),
        "ends_at IS NULL OR ends_at > starts_at",
    ));
    cases.push(created(
        "table-level check over two columns",
        schema(vec![t]),
    ));

    let mut t = people();
    t.comment = Some("People's table.".into());
    t.columns[1].comment = Some("Full name; \"quoted\".".into());
    cases.push(created("comments", schema(vec![t])));

    for (name, identity) in [
        ("identity always", Identity::Always),
        ("identity by default", Identity::ByDefault),
        ("bigserial", Identity::Serial),
    ] {
        let mut t = people();
        t.columns[0].identity = Some(identity);
        cases.push(created(name, schema(vec![t])));
    }
    for (name, column_type) in [
        ("serial", ColumnType::Integer),
        ("smallserial", ColumnType::SmallInt),
    ] {
        let mut t = people();
        t.columns[0].column_type = column_type;
        t.columns[0].identity = Some(Identity::Serial);
        cases.push(created(name, schema(vec![t])));
    }
    let mut t = people();
    t.columns[0].identity = Some(Identity::Always);
    t.columns[0].sequence = Some(Sequence {
        start: Some(1000),
        increment: Some(10),
        min_value: Some(5),
        max_value: Some(1_000_000),
        cache: Some(20),
        cycle: true,
        ..Sequence::default()
    });
    cases.push(created(
        "identity with every sequence option",
        schema(vec![t]),
    ));
    let mut t = people();
    t.columns[0].identity = Some(Identity::ByDefault);
    t.columns[0].sequence = Some(Sequence {
        increment: Some(-1),
        ..Sequence::default()
    });
    cases.push(created("descending identity", schema(vec![t])));

    let mut t = table("memberships", vec![col("group_id", ColumnType::BigInt)]);
    t.primary_key = Some(PrimaryKey {
        name: "memberships_pkey".into(),
        columns: vec!["id".into(), "group_id".into()],
    });
    cases.push(created("composite primary key", schema(vec![t])));

    let mut t = table("moods", vec![with_default(col("m", mood_type()), "'ok'")]);
    t.checks.push(check("moods", "m", "m <> 'sad'::mood"));
    cases.push(created(
        "enum with default and check",
        with_enums(vec![t], vec![mood(&["sad", "ok"])]),
    ));

    let mut t = people();
    t.columns[1].collation = Some("C".into());
    t.columns.push(Column {
        collation: Some("POSIX".into()),
        ..nullable("nick", ColumnType::array(ColumnType::Text))
    });
    cases.push(created("column collations", schema(vec![t])));

    let mut t = table(
        "lines",
        vec![
            col("qty", ColumnType::Integer),
            col(
                "price",
                ColumnType::Numeric {
                    precision: Some(10),
                    scale: Some(2),
                },
            ),
        ],
    );
    t.columns.push(Column {
        generated: Some("qty * price".into()),
        ..nullable(
            "total",
            ColumnType::Numeric {
                precision: None,
                scale: None,
            },
        )
    });
    t.indexes.push(index("lines", &["total"]));
    cases.push(created("generated column with an index", schema(vec![t])));

    // The default: a cast over a parenthesized expression, kept as written.
    let t = table(
        "days",
        vec![with_default(
            col("day", ColumnType::Date),
            "(now() at time zone 'utc')::date",
        )],
    );
    cases.push(created(
        "default with a cast and parentheses",
        schema(vec![t]),
    ));
    cases
}

fn transition_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let base = schema(vec![people()]);
    let edit = |f: &dyn Fn(&mut Table)| {
        let mut t = people();
        f(&mut t);
        schema(vec![t])
    };
    let seed_people = "INSERT INTO people (id, name, age) VALUES (1, 'ada', 36), (2, 'bob', NULL)";

    cases.push(case(
        "add nullable column",
        base.clone(),
        edit(&|t| t.columns.push(nullable("phone", ColumnType::varchar(20)))),
    ));
    cases.push(
        case(
            "add not null column with default",
            base.clone(),
            edit(&|t| {
                t.columns
                    .push(with_default(col("active", ColumnType::Boolean), "true"))
            }),
        )
        .keeps(
            seed_people,
            "SELECT string_agg(name || ':' || active, ',' ORDER BY id) FROM people",
            "ada:true,bob:true",
        ),
    );
    cases.push(case(
        "drop column",
        base.clone(),
        edit(&|t| {
            t.columns.pop();
        }),
    ));
    cases.push(case(
        "drop a column whose default has a cast and parentheses",
        edit(&|t| {
            t.columns.push(with_default(
                col("day", ColumnType::Date),
                "(now() at time zone 'utc')::date",
            ))
        }),
        base.clone(),
    ));
    cases.push(
        case(
            "widen varchar",
            base.clone(),
            edit(&|t| t.columns[1].column_type = ColumnType::varchar(255)),
        )
        .keeps(
            seed_people,
            "SELECT string_agg(name, ',' ORDER BY id) FROM people",
            "ada,bob",
        ),
    );
    cases.push(
        case(
            "integer to bigint",
            base.clone(),
            edit(&|t| t.columns[2].column_type = ColumnType::BigInt),
        )
        .keeps(
            seed_people,
            "SELECT string_agg(coalesce(age::text, '-'), ',' ORDER BY id) FROM people",
            "36,-",
        ),
    );
    cases.push(case(
        "varchar to text",
        base.clone(),
        edit(&|t| t.columns[1].column_type = ColumnType::Text),
    ));
    cases.push(case(
        "integer to text and back through USING",
        base.clone(),
        edit(&|t| t.columns[2] = with_default(nullable("age", ColumnType::Text), "'0'")),
    ));
    cases.push(case(
        "set not null",
        base.clone(),
        edit(&|t| t.columns[2].nullable = false),
    ));
    cases.push(case(
        "drop not null",
        base.clone(),
        edit(&|t| t.columns[1].nullable = true),
    ));
    cases.push(case(
        "add default",
        base.clone(),
        edit(&|t| t.columns[2].default = Some("18".into())),
    ));
    cases.push(case(
        "change default",
        edit(&|t| t.columns[1].default = Some("'a'".into())),
        edit(&|t| t.columns[1].default = Some("'b'".into())),
    ));
    cases.push(case(
        "add identity",
        base.clone(),
        edit(&|t| t.columns[0].identity = Some(Identity::ByDefault)),
    ));
    cases.push(case(
        "identity always to by default",
        edit(&|t| t.columns[0].identity = Some(Identity::Always)),
        edit(&|t| t.columns[0].identity = Some(Identity::ByDefault)),
    ));
    cases.push(case(
        "identity options changed",
        edit(&|t| t.columns[0].identity = Some(Identity::Always)),
        edit(&|t| {
            t.columns[0].identity = Some(Identity::Always);
            t.columns[0].sequence = Some(Sequence {
                start: Some(500),
                increment: Some(5),
                ..Sequence::default()
            });
        }),
    ));
    cases.push(
        case(
            "plain column to serial, rows numbered past",
            base.clone(),
            edit(&|t| t.columns[0].identity = Some(Identity::Serial)),
        )
        .keeps(
            seed_people,
            "INSERT INTO people (name) VALUES ('cy') RETURNING id::text",
            "3",
        ),
    );
    cases.push(
        case(
            "serial to identity, rows kept and numbered past",
            edit(&|t| t.columns[0].identity = Some(Identity::Serial)),
            edit(&|t| t.columns[0].identity = Some(Identity::ByDefault)),
        )
        .keeps(
            "INSERT INTO people (name) VALUES ('ada'), ('bob')",
            "INSERT INTO people (name) VALUES ('cy') RETURNING id::text",
            "3",
        ),
    );
    cases.push(case(
        "identity to serial",
        edit(&|t| t.columns[0].identity = Some(Identity::Always)),
        edit(&|t| t.columns[0].identity = Some(Identity::Serial)),
    ));
    cases.push(case(
        "serial to plain column",
        edit(&|t| t.columns[0].identity = Some(Identity::Serial)),
        base.clone(),
    ));
    cases.push(case(
        "add comments",
        base.clone(),
        edit(&|t| {
            t.comment = Some("People.".into());
            t.columns[1].comment = Some("Name.".into());
        }),
    ));
    cases.push(case(
        "add index",
        base.clone(),
        edit(&|t| t.indexes.push(index("people", &["name"]))),
    ));
    cases.push(case(
        "drop index",
        edit(&|t| t.indexes.push(index("people", &["name"]))),
        base.clone(),
    ));
    cases.push(case(
        "change partial index predicate",
        edit(&|t| {
            t.indexes.push(Index {
                predicate: Some("age > 0".into()),
                ..index("people", &["age"])
            })
        }),
        edit(&|t| {
            t.indexes.push(Index {
                predicate: Some("age > 10".into()),
                ..index("people", &["age"])
            })
        }),
    ));
    let with_index = |f: &dyn Fn(&mut Index)| {
        edit(&|t| {
            let mut i = index("people", &["name"]);
            f(&mut i);
            t.indexes.push(i);
        })
    };
    cases.push(case(
        "index gains INCLUDE",
        with_index(&|_| {}),
        with_index(&|i| i.include = vec!["age".into()]),
    ));
    cases.push(case(
        "index changes method",
        with_index(&|_| {}),
        with_index(&|i| i.method = Some("hash".into())),
    ));
    cases.push(case(
        "index changes operator class",
        with_index(&|_| {}),
        with_index(&|i| i.keys[0].opclass = Some("varchar_pattern_ops".into())),
    ));
    cases.push(case(
        "index changes NULLS order",
        with_index(&|_| {}),
        with_index(&|i| i.keys[0].nulls = Some(NullsOrder::First)),
    ));
    cases.push(case(
        "unique index becomes NULLS NOT DISTINCT",
        with_index(&|i| i.unique = true),
        with_index(&|i| {
            i.unique = true;
            i.nulls_not_distinct = true
        }),
    ));
    cases.push(case(
        "add unique",
        base.clone(),
        edit(&|t| t.uniques.push(unique("people", &["name"]))),
    ));
    cases.push(case(
        "change check",
        edit(&|t| t.checks.push(check("people", "age", "age >= 0"))),
        edit(&|t| t.checks.push(check("people", "age", "age >= 18"))),
    ));
    let flags = |expression: &str| {
        let mut t = table(
            "flags",
            vec![
                col("a", ColumnType::Boolean),
                col("b", ColumnType::Boolean),
                col("c", ColumnType::Boolean),
            ],
        );
        t.checks
            .push(CheckConstraint::new("flags_shape", expression));
        schema(vec![t])
    };
    cases.push(case(
        "check precedence changes: (a AND b) OR c -> a AND (b OR c)",
        flags("(a AND b) OR c"),
        flags("a AND (b OR c)"),
    ));
    cases.push(
        case(
            "rename a check",
            edit(&|t| t.checks.push(check("people", "age", "age >= 0"))),
            edit(&|t| {
                t.checks
                    .push(CheckConstraint::new("people_age_is_positive", "age >= 0"))
            }),
        )
        .says(&["RENAME CONSTRAINT"]),
    );
    cases.push(
        case(
            "collation changes",
            base.clone(),
            edit(&|t| t.columns[1].collation = Some("C".into())),
        )
        .keeps(
            seed_people,
            "SELECT string_agg(name, ',' ORDER BY name) FROM people",
            "ada,bob",
        ),
    );
    cases.push(case(
        "collation kept through a type change",
        edit(&|t| t.columns[1].collation = Some("C".into())),
        edit(&|t| {
            t.columns[1].collation = Some("C".into());
            t.columns[1].column_type = ColumnType::varchar(200);
        }),
    ));
    cases.push(case(
        "timestamp precision changes",
        edit(&|t| {
            t.columns.push(nullable(
                "seen",
                ColumnType::Timestamp { precision: Some(3) },
            ))
        }),
        edit(&|t| {
            t.columns.push(nullable(
                "seen",
                ColumnType::Timestamp { precision: Some(6) },
            ))
        }),
    ));
    cases.push(case(
        "numeric precision and scale change",
        edit(&|t| {
            t.columns.push(nullable(
                "balance",
                ColumnType::Numeric {
                    precision: Some(10),
                    scale: Some(2),
                },
            ))
        }),
        edit(&|t| {
            t.columns.push(nullable(
                "balance",
                ColumnType::Numeric {
                    precision: Some(12),
                    scale: Some(4),
                },
            ))
        }),
    ));
    let lines = |generated: Option<&str>| {
        let mut t = table(
            "lines",
            vec![
                col("qty", ColumnType::Integer),
                col("price", ColumnType::Integer),
            ],
        );
        t.columns.push(Column {
            generated: generated.map(str::to_string),
            ..nullable("total", ColumnType::Integer)
        });
        t.indexes.push(index("lines", &["total"]));
        t.checks.push(check("lines", "total", "total >= 0"));
        schema(vec![t])
    };
    let seed_lines = "INSERT INTO lines (id, qty, price) VALUES (1, 2, 3), (2, 4, 5)";
    cases.push(
        case(
            "generated column changes its expression",
            lines(Some("qty * price")),
            lines(Some("qty + price")),
        )
        .keeps(
            seed_lines,
            "SELECT string_agg(total::text, ',' ORDER BY id) FROM lines",
            "5,9",
        ),
    );
    cases.push(
        case(
            "generated column becomes a plain column, values kept",
            lines(Some("qty * price")),
            lines(None),
        )
        .keeps(
            seed_lines,
            "SELECT string_agg(total::text, ',' ORDER BY id) FROM lines",
            "6,20",
        )
        .says(&["DROP EXPRESSION"]),
    );
    cases.push(case(
        "plain column becomes generated",
        lines(None),
        lines(Some("qty * price")),
    ));

    // Renames the models ask for.
    let mut renamed = people();
    renamed.name = "persons".into();
    renamed.renamed_from = vec!["people".into()];
    renamed.primary_key = Some(PrimaryKey {
        name: "persons_pkey".into(),
        columns: vec!["id".into()],
    });
    cases.push(
        case("rename table", base.clone(), schema(vec![renamed.clone()]))
            .keeps(
                seed_people,
                "SELECT string_agg(name, ',' ORDER BY id) FROM persons",
                "ada,bob",
            )
            .never_says(&["DROP TABLE", "CREATE TABLE"]),
    );
    // Its check and partial index, which the server prints with casts,
    // follow by name: renamed, never dropped and added.
    let guarded = |t: &mut Table, table: &str| {
        t.checks.push(check(
            table,
            "name",
            "char_length(name) > 0 AND name <> 'x'",
        ));
        t.indexes.push(Index {
            predicate: Some("name <> 'x'".into()),
            ..index(table, &["age"])
        });
    };
    cases.push(
        case(
            "rename table with a check and a partial index",
            edit(&|t| guarded(t, "people")),
            schema(vec![with(renamed.clone(), |t| guarded(t, "persons"))]),
        )
        .says(&["RENAME CONSTRAINT", "ALTER INDEX"])
        .never_says(&["DROP CONSTRAINT", "DROP INDEX"]),
    );
    for identity in [Identity::Serial, Identity::Always] {
        let mut from = people();
        from.columns[0].identity = Some(identity);
        let mut to = renamed.clone();
        to.columns[0].identity = Some(identity);
        cases.push(
            case(
                format!("rename table with its {identity:?} sequence"),
                schema(vec![from]),
                schema(vec![to]),
            )
            .keeps(
                "INSERT INTO people (name) VALUES ('ada')",
                "SELECT pg_get_serial_sequence('persons', 'id')",
                "case_schema.persons_id_seq",
            )
            .says(&["ALTER SEQUENCE"]),
        );
    }
    cases.push(
        case(
            "rename column with its index and check",
            edit(&|t| {
                t.indexes.push(index("people", &["name"]));
                t.checks
                    .push(check("people", "name", "char_length(name) > 0"));
            }),
            edit(&|t| {
                t.columns[1].name = "full_name".into();
                t.columns[1].renamed_from = vec!["name".into()];
                t.indexes.push(index("people", &["full_name"]));
                t.checks
                    .push(check("people", "full_name", "char_length(full_name) > 0"));
            }),
        )
        .keeps(
            seed_people,
            "SELECT string_agg(full_name, ',' ORDER BY id) FROM people",
            "ada,bob",
        ),
    );
    cases.push(case(
        "rename a serial column: its sequence follows",
        edit(&|t| t.columns[0].identity = Some(Identity::Serial)),
        edit(&|t| {
            t.columns[0].identity = Some(Identity::Serial);
            t.columns[0].name = "key".into();
            t.columns[0].renamed_from = vec!["id".into()];
            t.primary_key.as_mut().unwrap().columns = vec!["key".into()];
        }),
    ));

    // Tables and foreign keys.
    cases.push(case(
        "create a referencing table",
        base.clone(),
        schema(vec![people(), pets(ReferentialAction::Cascade)]),
    ));
    cases.push(case(
        "drop a referencing table",
        schema(vec![people(), pets(ReferentialAction::Cascade)]),
        base.clone(),
    ));
    cases.push(case(
        "drop both tables of a reference",
        schema(vec![people(), pets(ReferentialAction::NoAction)]),
        schema(vec![table("other", vec![])]),
    ));
    cases.push(case(
        "change a foreign key action",
        schema(vec![people(), pets(ReferentialAction::NoAction)]),
        schema(vec![people(), pets(ReferentialAction::Restrict)]),
    ));
    let named = |on_delete: ReferentialAction, f: &dyn Fn(&mut ForeignKey)| {
        let mut p = pets(on_delete);
        p.foreign_keys[0].name = "pets_owner".into();
        f(&mut p.foreign_keys[0]);
        schema(vec![people(), p])
    };
    cases.push(case(
        "change on_delete of a named foreign key",
        named(ReferentialAction::NoAction, &|_| {}),
        named(ReferentialAction::Cascade, &|_| {}),
    ));
    cases.push(
        case(
            "rename a foreign key",
            schema(vec![people(), pets(ReferentialAction::Cascade)]),
            named(ReferentialAction::Cascade, &|_| {}),
        )
        .says(&["RENAME CONSTRAINT"]),
    );
    cases.push(case(
        "foreign key becomes MATCH FULL and deferrable",
        named(ReferentialAction::NoAction, &|_| {}),
        named(ReferentialAction::NoAction, &|fk| {
            fk.match_type = MatchType::Full;
            fk.deferrable = Deferrable::InitiallyDeferred;
        }),
    ));
    let mut loose = pets(ReferentialAction::NoAction);
    loose.foreign_keys.clear();
    cases.push(case(
        "add a foreign key",
        schema(vec![people(), loose]),
        schema(vec![people(), pets(ReferentialAction::SetNull)]),
    ));

    // Enums.
    let moods = |labels: &[&str], default: &str| {
        with_enums(
            vec![table(
                "moods",
                vec![with_default(col("m", mood_type()), default)],
            )],
            vec![mood(labels)],
        )
    };
    cases.push(case(
        "append an enum value",
        moods(&["sad", "ok"], "'ok'"),
        moods(&["sad", "ok", "happy"], "'ok'"),
    ));
    cases.push(case(
        "insert an enum value first",
        moods(&["sad", "ok"], "'ok'"),
        moods(&["angry", "sad", "ok"], "'ok'"),
    ));
    cases.push(case(
        "insert an enum value in the middle",
        moods(&["sad", "ok"], "'ok'"),
        moods(&["sad", "meh", "ok"], "'ok'"),
    ));
    cases.push(case(
        "add an enum value and use it as the default at once",
        moods(&["sad", "ok"], "'ok'"),
        moods(&["sad", "ok", "happy"], "'happy'"),
    ));
    cases.push(case(
        "remove an enum value",
        moods(&["sad", "ok", "happy"], "'ok'"),
        moods(&["sad", "ok"], "'ok'"),
    ));
    cases.push(case(
        "reorder enum values",
        moods(&["sad", "ok"], "'ok'"),
        moods(&["ok", "sad"], "'ok'"),
    ));
    let mut renamed_label = moods(&["sad", "fine"], "'fine'");
    renamed_label.enums[0].renamed_labels = vec![("ok".into(), "fine".into())];
    cases.push(
        case(
            "rename an enum label, rows follow",
            moods(&["sad", "ok"], "'ok'"),
            renamed_label,
        )
        .keeps(
            "INSERT INTO moods (id, m) VALUES (1, 'ok'), (2, 'sad')",
            "SELECT string_agg(m::text, ',' ORDER BY id) FROM moods",
            "fine,sad",
        )
        .says(&["RENAME VALUE 'ok' TO 'fine'"])
        .never_says(&["__forge_old", "SET DEFAULT"]),
    );
    cases.push(case(
        "enum column to text, type dropped",
        moods(&["sad", "ok"], "'ok'"),
        schema(vec![table(
            "moods",
            vec![with_default(col("m", ColumnType::Text), "'ok'")],
        )]),
    ));
    cases.push(case(
        "text column to a new enum",
        schema(vec![table("moods", vec![col("m", ColumnType::Text)])]),
        with_enums(
            vec![table("moods", vec![col("m", mood_type())])],
            vec![mood(&["sad", "ok"])],
        ),
    ));
    cases
}

/// Tables in several PostgreSQL schemas, with foreign keys across them.
/// Each case names its own schemas (the cases share one database).
fn schema_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let in_schema = |schema: &str, t: Table| Table {
        schema: Some(schema.to_string()),
        ..t
    };
    cases.push(created(
        "a table in another schema",
        schema(vec![in_schema("billing_a", people())]),
    ));
    let mut p = pets(ReferentialAction::Cascade);
    p.foreign_keys[0].referenced_schema = Some("billing_b".into());
    cases.push(created(
        "a foreign key into another schema",
        schema(vec![in_schema("billing_b", people()), p]),
    ));
    let mut p = in_schema("billing_c", pets(ReferentialAction::NoAction));
    p.foreign_keys[0].referenced_schema = None;
    cases.push(created(
        "a foreign key out of another schema, same table names in both",
        schema(vec![
            people(),
            in_schema("billing_c", people()),
            p,
            pets(ReferentialAction::NoAction),
        ]),
    ));
    let mut serial = in_schema("billing_d", people());
    serial.columns[0].identity = Some(Identity::Serial);
    serial.indexes.push(index("people", &["name"]));
    let mut renamed = serial.clone();
    renamed.name = "persons".into();
    renamed.renamed_from = vec!["people".into()];
    cases.push(
        case(
            "rename a serial table in another schema",
            schema(vec![serial]),
            schema(vec![renamed]),
        )
        .keeps(
            "INSERT INTO billing_d.people (name) VALUES ('ada')",
            "SELECT name || ':' || pg_get_serial_sequence('billing_d.persons', 'id') FROM billing_d.persons",
            "ada:billing_d.persons_id_seq",
        ),
    );
    cases.push(case(
        "move tables into a new schema's sibling: add a second schema",
        schema(vec![in_schema("billing_e", people())]),
        schema(vec![
            in_schema("billing_e", people()),
            with(
                in_schema("billing_f", pets(ReferentialAction::NoAction)),
                |t| t.foreign_keys[0].referenced_schema = Some("billing_e".into()),
            ),
        ]),
    ));
    cases
}

// ---- running a case -------------------------------------------------------

async fn session(db: &TestDatabase, schema: &str) -> PgConnection {
    database::connect(&db.url, Some(schema))
        .await
        .expect("connect to the case's schema")
}

/// Runs each revision's section in its own transaction, as the runner does.
async fn apply(conn: &mut PgConnection, sections: &[String]) -> Result<(), String> {
    for section in sections {
        let statements = split_statements(section, 1).map_err(|e| e.to_string())?;
        let mut tx = conn.begin().await.map_err(|e| e.to_string())?;
        for statement in statements {
            sqlx::raw_sql(&statement.sql)
                .execute(&mut *tx)
                .await
                .map_err(|e| format!("{e}\n  in: {}\n  section:\n{section}", statement.sql))?;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn autogenerate(
    conn: &mut PgConnection,
    schema: &str,
    desired: &Schema,
) -> Result<Vec<RevisionBody>, String> {
    let changes = changes(conn, schema, "forge_version", desired)
        .await
        .map_err(|e| e.to_string())?;
    Ok(if changes.is_empty() {
        Vec::new()
    } else {
        revision_bodies("case", changes)
    })
}

/// The model with columns in name order: a downgrade re-adds a dropped column
/// at the end of the table, which is the same table.
fn comparable(mut schema: Schema) -> Schema {
    for t in &mut schema.tables {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema
}

async fn introspected(
    conn: &mut PgConnection,
    schema: &str,
    others: &[String],
) -> Result<Schema, String> {
    let options = IntrospectOptions::default().with_schemas(others.iter().cloned());
    introspect_with(conn, schema, &options)
        .await
        .map(|i| comparable(i.schema))
        .map_err(|e| e.to_string())
}

async fn reach(
    conn: &mut PgConnection,
    schema: &str,
    desired: &Schema,
) -> Result<Vec<RevisionBody>, String> {
    let bodies = autogenerate(conn, schema, desired).await?;
    apply(
        conn,
        &bodies
            .iter()
            .map(|b| b.upgrade_sql.clone())
            .collect::<Vec<_>>(),
    )
    .await?;
    let again = autogenerate(conn, schema, desired).await?;
    if let Some(body) = again.first() {
        return Err(format!(
            "not a fixed point: autogenerate again gives\n{:#?}\n{}",
            body.changes, body.upgrade_sql
        ));
    }
    Ok(bodies)
}

async fn scalar(conn: &mut PgConnection, query: &str) -> Result<String, String> {
    sqlx::query_scalar::<_, Option<String>>(query)
        .fetch_one(&mut *conn)
        .await
        .map(|v| v.unwrap_or_default())
        .map_err(|e| format!("{e}\n  in: {query}"))
}

async fn run_case(db: &TestDatabase, number: usize, case: &Case) -> Result<(), String> {
    let schema = format!("case_{number}");
    db.execute(&format!("CREATE SCHEMA \"{schema}\"")).await;
    let mut conn = session(db, &schema).await;
    if let Some(setup) = &case.setup {
        sqlx::raw_sql(setup)
            .execute(&mut conn)
            .await
            .map_err(|e| format!("setup: {e}"))?;
    }
    let others: Vec<String> = case
        .from
        .namespaces_used()
        .into_iter()
        .chain(case.to.namespaces_used())
        .collect();
    let empty = introspected(&mut conn, &schema, &others).await?;

    let to_a = reach(&mut conn, &schema, &case.from)
        .await
        .map_err(|e| format!("reaching A: {e}"))?;
    if let Some(seed) = &case.seed {
        sqlx::raw_sql(seed)
            .execute(&mut conn)
            .await
            .map_err(|e| format!("seeding A: {e}"))?;
    }
    let at_a = introspected(&mut conn, &schema, &others).await?;
    let to_b = reach(&mut conn, &schema, &case.to)
        .await
        .map_err(|e| format!("upgrading A -> B: {e}"))?;
    if to_b.is_empty() || (to_a.is_empty() && case.from != Schema::default()) {
        return Err("autogenerate found no changes where the models differ".to_string());
    }
    if case.name.contains("at once") && to_b.len() != 2 {
        return Err(format!(
            "enum values used at once need a revision of their own, got {} revision(s)",
            to_b.len()
        ));
    }
    let upgrade: String = to_b.iter().map(|b| b.upgrade_sql.as_str()).collect();
    if let Some(missing) = case.says.iter().find(|t| !upgrade.contains(t.as_str())) {
        return Err(format!("the upgrade does not say `{missing}`:\n{upgrade}"));
    }
    if let Some(said) = case
        .never_says
        .iter()
        .find(|t| upgrade.contains(t.as_str()))
    {
        return Err(format!("the upgrade says `{said}`:\n{upgrade}"));
    }
    if let Some((query, expected)) = &case.kept {
        let got = scalar(&mut conn, query).await?;
        let expected = expected.replace("case_schema", &schema);
        if got != expected {
            return Err(format!(
                "rows not kept by the upgrade: `{query}` gives {got:?}, expected {expected:?}\n{}",
                to_b.iter()
                    .map(|b| b.upgrade_sql.as_str())
                    .collect::<String>()
            ));
        }
        // Rows inserted by the check belong to B: start A's comparison over.
        sqlx::raw_sql("SELECT 1").execute(&mut conn).await.ok();
    }

    let downgrade: Vec<String> = to_b.iter().rev().map(|b| b.downgrade_sql.clone()).collect();
    apply(&mut conn, &downgrade)
        .await
        .map_err(|e| format!("downgrading B -> A: {e}"))?;
    let back = introspected(&mut conn, &schema, &others).await?;
    if back != at_a {
        return Err(format!(
            "downgrade B -> A does not restore A\n  expected {at_a:#?}\n  got {back:#?}\n  downgrade:\n{}",
            downgrade.join("\n")
        ));
    }
    let downgrade: Vec<String> = to_a.iter().rev().map(|b| b.downgrade_sql.clone()).collect();
    apply(&mut conn, &downgrade)
        .await
        .map_err(|e| format!("downgrading A -> empty: {e}"))?;
    let gone = introspected(&mut conn, &schema, &others).await?;
    if gone != empty {
        return Err(format!("downgrade A -> empty leaves {gone:#?}"));
    }
    Ok(())
}

async fn run_all(cases: Vec<Case>) -> usize {
    let db = TestDatabase::create().await;
    db.execute(
        "CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE EXTENSION IF NOT EXISTS citext; \
         CREATE EXTENSION IF NOT EXISTS hstore; CREATE EXTENSION IF NOT EXISTS pg_trgm; \
         CREATE DOMAIN public.email_address AS text;",
    )
    .await;
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let case_result = run_case(&db, i, case).await;
        if let Err(problem) = case_result {
            failures.push(format!("case `{}`: {problem}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    cases.len()
}

#[tokio::test]
async fn every_type_nullable_or_with_a_default_is_a_fixed_point() {
    assert_eq!(run_all(type_cases()).await, 62);
}

#[tokio::test]
async fn every_spelling_of_every_type_settles() {
    assert_eq!(run_all(spelling_cases()).await, 133);
}

#[tokio::test]
async fn keys_indexes_foreign_keys_checks_comments_identities_and_columns_are_fixed_points() {
    assert_eq!(run_all(constraint_cases()).await, 44);
}

#[tokio::test]
async fn transitions_upgrade_to_a_fixed_point_keep_rows_and_downgrade_back() {
    assert_eq!(run_all(transition_cases()).await, 62);
}

#[tokio::test]
async fn tables_in_several_schemas_are_fixed_points() {
    assert_eq!(run_all(schema_cases()).await, 5);
}
