//! The catalog SQL: one query per kind of object, each over the whole schema
//! (never per table), and the plain rows they return.
//!
//! Everything is resolved to names inside PostgreSQL (column numbers to
//! column names, key positions to index keys), so the parser needs no oids.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::introspect::IntrospectError;
use crate::render::postgres::literal;

/// Every query takes one parameter, `$1`: the schemas to read, the default
/// one first, then the others the models name.
///
/// Tables of the schemas read, with their comments. Returns one row with a NULL
/// table for a schema that exists but is empty, and no row for a schema that
/// does not exist, so the existence check costs no extra query. Partitions
/// (children) and tables that belong to an extension are left out.
pub const TABLES: &str = r#"
SELECT n.nspname::text AS schema_name,
       c.relname::text AS table_name,
       ds.description AS comment,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by
FROM pg_namespace n
LEFT JOIN pg_class c
       ON c.relnamespace = n.oid
      AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_depend dep
                      WHERE dep.classid = 'pg_class'::regclass AND dep.objid = c.oid AND dep.deptype = 'e')
LEFT JOIN pg_description ds
       ON ds.classoid = 'pg_class'::regclass AND ds.objoid = c.oid AND ds.objsubid = 0
WHERE n.nspname = ANY ($1)
ORDER BY n.nspname, c.relname
"#;

/// Columns of every table (and partitioned table) of the schemas, in ordinal
/// order, with the sequence behind a serial or identity column.
pub const COLUMNS: &str = r#"
SELECT n.nspname::text AS table_schema,
       c.relname::text AS table_name,
       a.attname::text AS column_name,
       a.attnum AS position,
       t.typname::text AS type_name,
       t.typtype::text AS type_kind,
       tn.nspname::text AS type_schema,
       et.typname::text AS element_name,
       et.typtype::text AS element_kind,
       etn.nspname::text AS element_schema,
       a.atttypmod AS type_modifier,
       format_type(a.atttypid, a.atttypmod) AS formatted_type,
       a.attnotnull AS not_null,
       -- A default cannot refer to a column, so no relation is needed to
       -- deparse it (opening one per default is the costly part); a generated
       -- column's expression can, and is deparsed with its table.
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, 0) END AS default_expression,
       CASE WHEN a.attgenerated = 's' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated_expression,
       a.attidentity::text AS identity,
       -- A collation other than the type's own default.
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END AS collation,
       sq.relname::text AS sequence_name,
       sq.deptype::text AS sequence_dependency,
       sq.seqstart AS sequence_start,
       sq.seqincrement AS sequence_increment,
       sq.seqmin AS sequence_min,
       sq.seqmax AS sequence_max,
       sq.seqcache AS sequence_cache,
       sq.seqcycle AS sequence_cycle,
       ds.description AS comment
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typlen = -1 AND t.typelem <> 0
LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
-- 'a': a serial's sequence (owned by the column); 'i': an identity's.
LEFT JOIN (SELECT dep.refobjid, dep.refobjsubid, dep.deptype, s.relname, seq.*
           FROM pg_depend dep
           JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
           JOIN pg_sequence seq ON seq.seqrelid = s.oid
           WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
             AND dep.deptype IN ('a', 'i')) sq
       ON sq.refobjid = a.attrelid AND sq.refobjsubid = a.attnum
LEFT JOIN pg_description ds
       ON ds.classoid = 'pg_class'::regclass AND ds.objoid = a.attrelid AND ds.objsubid = a.attnum
WHERE n.nspname = ANY ($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY n.nspname, c.relname, a.attnum
"#;

/// Primary keys, unique, foreign key and check constraints, with their column
/// numbers in key order (resolved to names by the parser: a subquery per
/// constraint would cost more than the rest of the query).
pub const CONSTRAINTS: &str = r#"
SELECT n.nspname::text AS table_schema,
       c.relname::text AS table_name,
       con.conname::text AS name,
       con.contype::text AS kind,
       con.conkey AS column_numbers,
       rn.nspname::text AS referenced_schema,
       rc.relname::text AS referenced_table,
       con.confkey AS referenced_column_numbers,
       -- Column numbers are resolved against the columns query; only a table
       -- of a schema not read needs its names read here.
       CASE WHEN NOT (rn.nspname = ANY ($1)) THEN
           ARRAY(SELECT a.attname::text
                 FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
                 ORDER BY k.ord)
       END AS referenced_columns_elsewhere,
       con.confupdtype::text AS on_update,
       con.confdeltype::text AS on_delete,
       con.confmatchtype::text AS match_type,
       con.condeferrable AS deferrable,
       con.condeferred AS deferred,
       con.convalidated AS validated,
       CASE WHEN con.contype = 'u' THEN {NULLS_NOT_DISTINCT} ELSE false END AS nulls_not_distinct,
       CASE WHEN con.contype = 'u' AND ci.indnatts > ci.indnkeyatts
            THEN (ci.indkey::int2[])[ci.indnkeyatts:ci.indnatts - 1] END AS include_numbers,
       CASE WHEN con.contype = 'c' THEN pg_get_constraintdef(con.oid, true) ELSE '' END AS definition
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_index ci ON ci.indexrelid = con.conindid AND con.contype = 'u'
WHERE n.nspname = ANY ($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND con.contype IN ('p', 'u', 'f', 'c')
  -- A foreign key to a partitioned table has internal clones, one per
  -- partition, under the same name: only the constraint itself is read.
  AND con.conparentid = 0
ORDER BY n.nspname, c.relname, con.conname
"#;

/// Indexes that back no constraint (a primary key's or unique constraint's
/// index is the constraint, not an index of its own). For each key position:
/// the column number (0 for an expression), its options (bit 1: DESC, bit 2:
/// NULLS FIRST), its operator class when not the type's default, and, when
/// the index has expression keys, what PostgreSQL prints for them.
pub const INDEXES: &str = r#"
SELECT n.nspname::text AS table_schema,
       t.relname::text AS table_name,
       ic.relname::text AS name,
       i.indisunique AS is_unique,
       {NULLS_NOT_DISTINCT} AS nulls_not_distinct,
       am.amname::text AS method,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       -- Key columns first, INCLUDE columns after them; a slice starts at 1.
       (i.indkey::int2[])[0:i.indnkeyatts - 1] AS key_numbers,
       (i.indkey::int2[])[i.indnkeyatts:i.indnatts - 1] AS include_numbers,
       (i.indoption::int2[])[0:i.indnkeyatts - 1] AS key_options,
       -- Operator class names, only for an index that uses a non-default one
       -- (the set of those is read once per query, not per index).
       CASE WHEN (i.indclass::oid[]) && (SELECT array_agg(oid) FROM pg_opclass WHERE NOT opcdefault) THEN
           -- Qualified when the search_path does not reach it (an extension's
           -- opclass in another schema), as it must be written to be found.
           ARRAY(SELECT CASE WHEN o.opcdefault THEN ''
                             WHEN pg_opclass_is_visible(o.oid) THEN quote_ident(o.opcname)
                             ELSE quote_ident(opn.nspname) || '.' || quote_ident(o.opcname) END
                 FROM unnest(i.indclass::oid[]) WITH ORDINALITY AS k(opc, ord)
                 JOIN pg_opclass o ON o.oid = k.opc
                 JOIN pg_namespace opn ON opn.oid = o.opcnamespace
                 ORDER BY k.ord)
       END AS key_opclasses,
       CASE WHEN 0 = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]) THEN
           ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k, true) ELSE '' END
                 FROM generate_series(1, i.indnkeyatts::int) AS k
                 ORDER BY k)
       END AS key_expressions,
       -- Collations, only for an index with a key of a collation other than
       -- the default one: a key's own COLLATE differs from its column's (or,
       -- for an expression, its type's).
       CASE WHEN (i.indcollation::oid[]) && (SELECT array_agg(oid) FROM pg_collation WHERE oid <> 100) THEN
           ARRAY(SELECT CASE WHEN ia.attcollation <> 0
                              AND ia.attcollation <> COALESCE(ta.attcollation, it.typcollation)
                             THEN (SELECT co.collname::text FROM pg_collation co WHERE co.oid = ia.attcollation)
                             ELSE '' END
                 FROM pg_attribute ia
                 JOIN pg_type it ON it.oid = ia.atttypid
                 LEFT JOIN pg_attribute ta ON ta.attrelid = i.indrelid AND ta.attnum = i.indkey[ia.attnum - 1]
                                          AND i.indkey[ia.attnum - 1] <> 0
                 WHERE ia.attrelid = i.indexrelid AND ia.attnum <= i.indnkeyatts
                 ORDER BY ia.attnum)
       END AS key_collations
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = ANY ($1)
  AND t.relkind IN ('r', 'p')
  AND NOT t.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                    AND con.contype IN ('p', 'u', 'x'))
ORDER BY n.nspname, t.relname, ic.relname
"#;

/// Enum types of the default schema with their labels in declared order.
pub const ENUMS: &str = r#"
SELECT t.typname::text AS name,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = ($1::text[])[1]
  AND t.typtype = 'e'
  AND NOT EXISTS (SELECT 1 FROM pg_depend dep
                  WHERE dep.classid = 'pg_type'::regclass AND dep.objid = t.oid AND dep.deptype = 'e')
ORDER BY t.typname
"#;

/// Everything of the schemas read that Forge does not manage (see
/// [`crate::model::ObjectKind`]), one row each, with the SQL that creates it
/// when `$2` is true (else NULL: deparsing is the costly part), the key it is
/// known by (`classid:objid`; 0 for a setting of a table, which nothing can
/// depend on) and the keys of what it depends on (an extension's member
/// stands for its extension; a table is `table`, its schema and name,
/// separated by the unit separator, 0x1f). Objects that belong to an extension are left
/// out (the extension is listed instead); so are the partitions' copies of
/// their parent's triggers and indexes, which come back with the partition.
/// Types and trigger functions of other schemas that the read ones use are
/// listed too, so a script that recreates them is complete.
pub const OBJECTS: &str = r#"
WITH read_ns AS (
    SELECT oid, nspname FROM pg_namespace WHERE nspname = ANY ($1)
),
members AS (
    SELECT classid, objid, refobjid AS extension FROM pg_depend WHERE deptype = 'e'
),
rels AS (
    SELECT c.oid, c.relname, c.relkind, c.relispartition, c.reloptions, c.relpersistence,
           c.relreplident, c.relrowsecurity, c.relforcerowsecurity, n.nspname
    FROM pg_class c JOIN read_ns n ON n.oid = c.relnamespace
    WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_class'::regclass AND m.objid = c.oid)
),
-- The managed tables: what the tables query reads.
managed AS (
    SELECT * FROM rels WHERE relkind IN ('r', 'p') AND NOT relispartition
),
parents AS (
    SELECT i.inhrelid, i.inhparent, p.relname AS parent_name, pn.nspname AS parent_schema
    FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
),
wanted_types AS (
    SELECT t.oid FROM pg_type t JOIN read_ns n ON n.oid = t.typnamespace
    UNION
    SELECT a.atttypid FROM pg_attribute a JOIN rels r ON r.oid = a.attrelid WHERE a.attnum > 0 AND NOT a.attisdropped
    UNION
    SELECT et.typelem FROM pg_attribute a JOIN rels r ON r.oid = a.attrelid JOIN pg_type et ON et.oid = a.atttypid
    WHERE a.attnum > 0 AND NOT a.attisdropped AND et.typelem <> 0
),
objects AS (
    SELECT CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' ELSE 'foreign_table' END AS kind,
           r.nspname::text AS schema_name, r.relname::text AS name,
           NULL::text AS table_schema, NULL::text AS table_name,
           CASE WHEN $2 AND r.relkind IN ('v', 'm') THEN
               format(E'CREATE %s %s%s AS\n%s;',
                      CASE r.relkind WHEN 'v' THEN 'VIEW' ELSE 'MATERIALIZED VIEW' END,
                      r.oid::regclass,
                      CASE WHEN r.reloptions IS NOT NULL THEN ' WITH (' || array_to_string(r.reloptions, ', ') || ')' ELSE '' END,
                      rtrim(pg_get_viewdef(r.oid, true), ';'))
           END AS definition,
           'pg_class'::regclass::oid AS classid, r.oid AS objid,
           (SELECT rw.oid FROM pg_rewrite rw WHERE rw.ev_class = r.oid AND rw.rulename = '_RETURN') AS rule_oid
    FROM rels r WHERE r.relkind IN ('v', 'm', 'f')
  UNION ALL
    SELECT 'partition', r.nspname, r.relname, p.parent_schema, p.parent_name,
           CASE WHEN $2 THEN
               format('CREATE TABLE %s PARTITION OF %s %s%s;', r.oid::regclass, p.inhparent::regclass,
                      pg_get_expr(c.relpartbound, r.oid),
                      CASE WHEN r.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(r.oid) ELSE '' END)
           END,
           'pg_class'::regclass, r.oid, NULL
    FROM rels r JOIN pg_class c ON c.oid = r.oid JOIN parents p ON p.inhrelid = r.oid
    WHERE r.relkind IN ('r', 'p') AND r.relispartition
  UNION ALL
    SELECT 'inheritance', r.nspname, r.relname, r.nspname, r.relname,
           CASE WHEN $2 THEN format('ALTER TABLE %s INHERIT %s;', r.oid::regclass, p.inhparent::regclass) END,
           -- The child's own dependencies: its parent among them.
           'pg_class'::regclass, r.oid, NULL
    FROM managed r JOIN parents p ON p.inhrelid = r.oid
  UNION ALL
    SELECT 'sequence', r.nspname, r.relname, ot.nspname::text, oc.relname::text,
           CASE WHEN $2 THEN
               format('CREATE SEQUENCE %s AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s%s;',
                      r.oid::regclass, format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, s.seqmax,
                      s.seqstart, s.seqcache, CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END)
           END,
           'pg_class'::regclass, r.oid, NULL
    FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
    LEFT JOIN pg_depend od ON od.classid = 'pg_class'::regclass AND od.objid = r.oid
                          AND od.refclassid = 'pg_class'::regclass AND od.deptype IN ('a', 'i')
    LEFT JOIN (pg_class oc JOIN pg_namespace ot ON ot.oid = oc.relnamespace) ON oc.oid = od.refobjid
    WHERE r.relkind = 'S' AND od.deptype IS DISTINCT FROM 'i'
      -- A serial's: owned by a column whose default draws from it.
      AND NOT (od.deptype = 'a' AND EXISTS (
              SELECT 1 FROM pg_attrdef ad
              JOIN pg_depend dd ON dd.classid = 'pg_attrdef'::regclass AND dd.objid = ad.oid
                               AND dd.refclassid = 'pg_class'::regclass AND dd.refobjid = r.oid
              WHERE ad.adrelid = od.refobjid AND ad.adnum = od.refobjsubid))
  UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'e' THEN 'enum' WHEN 'c' THEN 'composite_type'
                          WHEN 'r' THEN 'range_type' ELSE 'base_type' END,
           tn.nspname, t.typname, NULL, NULL,
           CASE WHEN $2 THEN CASE t.typtype
               WHEN 'd' THEN
                   format('CREATE DOMAIN %s AS %s', t.oid::regtype, format_type(t.typbasetype, t.typtypmod))
                   || CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                           THEN ' COLLATE ' || (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = t.typcollation) ELSE '' END
                   || CASE WHEN t.typdefault IS NOT NULL THEN ' DEFAULT ' || t.typdefault ELSE '' END
                   || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                   || COALESCE((SELECT string_agg(' CONSTRAINT ' || quote_ident(dc.conname) || ' ' || pg_get_constraintdef(dc.oid, true), '' ORDER BY dc.conname)
                                FROM pg_constraint dc WHERE dc.contypid = t.oid AND dc.contype = 'c'), '')
                   || ';'
               WHEN 'e' THEN
                   format('CREATE TYPE %s AS ENUM (%s);', t.oid::regtype,
                          (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
               WHEN 'c' THEN
                   format('CREATE TYPE %s AS (%s);', t.oid::regtype,
                          (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                                             || CASE WHEN a.attcollation <> at.typcollation THEN ' COLLATE ' || (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = a.attcollation) ELSE '' END,
                                             ', ' ORDER BY a.attnum)
                           FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
                           WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped))
               WHEN 'r' THEN
                   (SELECT format('CREATE TYPE %s AS RANGE (SUBTYPE = %s%s%s%s%s, MULTIRANGE_TYPE_NAME = %s);', t.oid::regtype,
                                  format_type(rg.rngsubtype, NULL),
                                  CASE WHEN NOT oc.opcdefault THEN ', SUBTYPE_OPCLASS = ' || quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname) ELSE '' END,
                                  CASE WHEN rg.rngcollation <> 0 AND rg.rngcollation <> st.typcollation THEN ', COLLATION = ' || (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = rg.rngcollation) ELSE '' END,
                                  CASE WHEN rg.rngcanonical <> 0 THEN ', CANONICAL = ' || rg.rngcanonical::regproc::text ELSE '' END,
                                  CASE WHEN rg.rngsubdiff <> 0 THEN ', SUBTYPE_DIFF = ' || rg.rngsubdiff::regproc::text ELSE '' END,
                                  rg.rngmultitypid::regtype)
                    FROM pg_range rg JOIN pg_type st ON st.oid = rg.rngsubtype
                    JOIN pg_opclass oc ON oc.oid = rg.rngsubopc JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
                    WHERE rg.rngtypid = t.oid)
           END END,
           'pg_type'::regclass, t.oid, NULL
    FROM pg_type t
    JOIN pg_namespace tn ON tn.oid = t.typnamespace
    LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
    WHERE t.oid IN (SELECT oid FROM wanted_types)
      AND tn.nspname NOT IN ('pg_catalog', 'information_schema') AND tn.nspname NOT LIKE 'pg_toast%'
      AND t.typtype IN ('b', 'c', 'd', 'e', 'r')
      AND NOT (t.typtype = 'e' AND tn.nspname = ($1)[1])
      AND NOT (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) <> 'c')
      AND NOT EXISTS (SELECT 1 FROM pg_type el WHERE el.typarray = t.oid)
      AND NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_type'::regclass AND m.objid = t.oid)
  UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
           pn.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', NULL, NULL,
           CASE WHEN $2 AND p.prokind <> 'a' THEN rtrim(pg_get_functiondef(p.oid), E'\n') || ';' END,
           'pg_proc'::regclass, p.oid, NULL
    FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace
    WHERE (p.pronamespace IN (SELECT oid FROM read_ns)
           OR p.oid IN (SELECT tg.tgfoid FROM pg_trigger tg JOIN rels r ON r.oid = tg.tgrelid))
      AND pn.nspname NOT IN ('pg_catalog', 'information_schema')
      AND NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_proc'::regclass AND m.objid = p.oid)
      -- A range type's constructors belong to the type.
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')
  UNION ALL
    SELECT 'trigger', r.nspname, tg.tgname, r.nspname, r.relname,
           CASE WHEN $2 THEN
               pg_get_triggerdef(tg.oid, true) || ';'
               || CASE tg.tgenabled
                      WHEN 'D' THEN format(E'\nALTER TABLE %s DISABLE TRIGGER %I;', r.oid::regclass, tg.tgname)
                      WHEN 'R' THEN format(E'\nALTER TABLE %s ENABLE REPLICA TRIGGER %I;', r.oid::regclass, tg.tgname)
                      WHEN 'A' THEN format(E'\nALTER TABLE %s ENABLE ALWAYS TRIGGER %I;', r.oid::regclass, tg.tgname)
                      ELSE '' END
           END,
           'pg_trigger'::regclass, tg.oid, NULL
    FROM pg_trigger tg JOIN rels r ON r.oid = tg.tgrelid
    WHERE NOT tg.tgisinternal AND {OWN_TRIGGER}
  UNION ALL
    SELECT 'rule', r.nspname, rw.rulename, r.nspname, r.relname,
           CASE WHEN $2 THEN pg_get_ruledef(rw.oid, true) END,
           'pg_rewrite'::regclass, rw.oid, NULL
    FROM pg_rewrite rw JOIN rels r ON r.oid = rw.ev_class
    WHERE rw.rulename <> '_RETURN'
  UNION ALL
    SELECT 'policy', r.nspname, pol.polname, r.nspname, r.relname,
           CASE WHEN $2 THEN
               format('CREATE POLICY %I ON %s AS %s FOR %s TO %s', pol.polname, r.oid::regclass,
                      CASE WHEN pol.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
                      CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                      WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                      (SELECT string_agg(CASE WHEN role.oid = 0 THEN 'PUBLIC' ELSE quote_ident(ro.rolname) END, ', ' ORDER BY role.n)
                       FROM unnest(pol.polroles) WITH ORDINALITY AS role(oid, n) LEFT JOIN pg_roles ro ON ro.oid = role.oid))
               || CASE WHEN pol.polqual IS NOT NULL THEN ' USING (' || pg_get_expr(pol.polqual, pol.polrelid, true) || ')' ELSE '' END
               || CASE WHEN pol.polwithcheck IS NOT NULL THEN ' WITH CHECK (' || pg_get_expr(pol.polwithcheck, pol.polrelid, true) || ')' ELSE '' END
               || ';'
           END,
           'pg_policy'::regclass, pol.oid, NULL
    FROM pg_policy pol JOIN rels r ON r.oid = pol.polrelid
  UNION ALL
    SELECT 'row_level_security', r.nspname, r.relname, r.nspname, r.relname,
           CASE WHEN $2 THEN
               CASE WHEN r.relrowsecurity THEN format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY;', r.oid::regclass) ELSE '' END
               || CASE WHEN r.relrowsecurity AND r.relforcerowsecurity THEN E'\n' ELSE '' END
               || CASE WHEN r.relforcerowsecurity THEN format('ALTER TABLE %s FORCE ROW LEVEL SECURITY;', r.oid::regclass) ELSE '' END
           END,
           0::oid, r.oid, NULL
    FROM managed r WHERE r.relrowsecurity OR r.relforcerowsecurity
  UNION ALL
    SELECT 'storage_parameters', r.nspname, r.relname, r.nspname, r.relname,
           CASE WHEN $2 THEN format('ALTER TABLE %s SET (%s);', r.oid::regclass, array_to_string(r.reloptions, ', ')) END,
           0::oid, r.oid, NULL
    FROM managed r WHERE r.reloptions IS NOT NULL
  UNION ALL
    SELECT 'storage_parameters', r.nspname, ic.relname, r.nspname, r.relname,
           CASE WHEN $2 THEN format('ALTER INDEX %s SET (%s);', ic.oid::regclass, array_to_string(ic.reloptions, ', ')) END,
           0::oid, ic.oid, NULL
    FROM managed r JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE ic.reloptions IS NOT NULL
  UNION ALL
    SELECT 'unlogged', r.nspname, r.relname, r.nspname, r.relname,
           CASE WHEN $2 THEN format('ALTER TABLE %s SET UNLOGGED;', r.oid::regclass) END,
           0::oid, r.oid, NULL
    FROM managed r WHERE r.relpersistence = 'u'
  UNION ALL
    SELECT 'replica_identity', r.nspname, r.relname, r.nspname, r.relname,
           CASE WHEN $2 THEN
               format('ALTER TABLE %s REPLICA IDENTITY %s;', r.oid::regclass,
                      CASE r.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING'
                          ELSE 'USING INDEX ' || quote_ident((SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                                                              WHERE i.indrelid = r.oid AND i.indisreplident)) END)
           END,
           0::oid, r.oid, NULL
    FROM managed r WHERE r.relreplident <> 'd'
  UNION ALL
    SELECT 'index', r.nspname, ic.relname, r.nspname, r.relname,
           CASE WHEN $2 THEN pg_get_indexdef(ic.oid) || ';' END,
           'pg_class'::regclass, ic.oid, NULL
    FROM rels r JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE (r.relkind = 'm' OR r.relispartition)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ic.oid AND con.conrelid = r.oid)
      AND NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = ic.oid)
  UNION ALL
    SELECT 'exclusion_constraint', r.nspname, con.conname, r.nspname, r.relname,
           CASE WHEN $2 THEN format('ALTER TABLE %s ADD CONSTRAINT %I %s;', r.oid::regclass, con.conname, pg_get_constraintdef(con.oid, true)) END,
           'pg_constraint'::regclass, con.oid, NULL
    FROM pg_constraint con JOIN managed r ON r.oid = con.conrelid
    WHERE con.contype = 'x' AND con.conparentid = 0
  UNION ALL
    SELECT 'statistics', sn.nspname, s.stxname, r.nspname, r.relname,
           CASE WHEN $2 THEN pg_get_statisticsobjdef(s.oid) || ';' END,
           'pg_statistic_ext'::regclass, s.oid, NULL
    FROM pg_statistic_ext s JOIN rels r ON r.oid = s.stxrelid JOIN pg_namespace sn ON sn.oid = s.stxnamespace
  UNION ALL
    SELECT 'extension', en.nspname, e.extname, NULL, NULL,
           CASE WHEN $2 THEN format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I;', e.extname, en.nspname) END,
           'pg_extension'::regclass, e.oid, NULL
    FROM pg_extension e JOIN pg_namespace en ON en.oid = e.extnamespace
    WHERE e.extname <> 'plpgsql'
)
SELECT o.kind, o.schema_name, o.name, o.table_schema, o.table_name, o.definition,
       o.classid::text || ':' || o.objid::text AS key,
       ARRAY(SELECT DISTINCT CASE
                     WHEN m.extension IS NOT NULL THEN '3079:' || m.extension::text
                     WHEN rc.relkind IN ('r', 'p') AND NOT rc.relispartition
                         THEN 'table' || chr(31) || rn.nspname || chr(31) || rc.relname
                     ELSE d.refclassid::text || ':' || d.refobjid::text END
             FROM pg_depend d
             LEFT JOIN members m ON m.classid = d.refclassid AND m.objid = d.refobjid
             LEFT JOIN pg_class rc ON d.refclassid = 'pg_class'::regclass AND rc.oid = d.refobjid
             LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
             WHERE ((d.classid = o.classid AND d.objid = o.objid) OR (d.classid = 'pg_rewrite'::regclass AND d.objid = o.rule_oid))
               AND d.deptype IN ('n', 'a')
               AND NOT (d.refclassid = o.classid AND d.refobjid = o.objid)) AS requires
FROM objects o
ORDER BY o.kind, o.schema_name, o.table_name, o.name
"#;

/// `{OWN_TRIGGER}` in [`OBJECTS`]: a partition's trigger cloned from its
/// parent's has `tgparentid` (PostgreSQL 13); before that none exists.
pub fn objects_for_server(server_version_num: Option<u32>) -> String {
    let own = if server_version_num.unwrap_or(0) >= 130_000 {
        "tg.tgparentid = 0"
    } else {
        "true"
    };
    OBJECTS.replace("{OWN_TRIGGER}", own)
}

/// `{NULLS_NOT_DISTINCT}` in a query: the column PostgreSQL 15 added, or
/// `false` on an older server (where no index can have it).
pub fn for_server(sql: &str, server_version_num: Option<u32>, index_alias: &str) -> String {
    let value = if server_version_num.unwrap_or(0) >= 150_000 {
        format!("COALESCE({index_alias}.indnullsnotdistinct, false)")
    } else {
        "false".to_string()
    };
    sql.replace("{NULLS_NOT_DISTINCT}", &value)
}

/// How many queries one introspection sends, whatever the number of tables.
pub const QUERY_COUNT: usize = 6;

/// The queries of the managed tables and enum types alone (without
/// [`OBJECTS`]), which is what comparing with the models needs.
pub const TABLE_QUERY_COUNT: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableRow {
    pub schema: String,
    pub name: String,
    pub comment: Option<String>,
    /// `pg_get_partkeydef()` of a partitioned table.
    pub partition_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `attnum`: what constraints and indexes refer to the column by.
    pub position: i16,
    /// `pg_type.typname`: `int4`, `varchar`, `_text` (an array), `mood`...
    pub type_name: String,
    /// `pg_type.typtype`: `b` base, `e` enum, `d` domain, `c` composite...
    pub type_kind: String,
    pub type_schema: String,
    /// For an array: its element type's name, kind and schema.
    pub element_name: Option<String>,
    pub element_kind: Option<String>,
    pub element_schema: Option<String>,
    /// `atttypmod`: length, precision and scale, encoded; -1 when none.
    pub type_modifier: i32,
    /// `format_type()`: the SQL spelling, kept for types Forge does not model.
    pub formatted_type: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// The expression of a stored generated column.
    pub generated: Option<String>,
    /// `attidentity`: `a` always, `d` by default, empty for none.
    pub identity: String,
    /// A collation other than the type's default.
    pub collation: Option<String>,
    /// The sequence the column owns, and how: `a` (serial) or `i` (identity).
    pub sequence: Option<SequenceRow>,
    pub comment: Option<String>,
}

/// `pg_sequence` of a serial or identity column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SequenceRow {
    pub name: String,
    pub dependency: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConstraintRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `contype`: `p`, `u`, `f` or `c`.
    pub kind: String,
    pub column_numbers: Vec<i16>,
    pub referenced_schema: Option<String>,
    pub referenced_table: Option<String>,
    pub referenced_column_numbers: Vec<i16>,
    /// The referenced columns' names when the table is in another schema
    /// (the columns query does not read it).
    pub referenced_columns_elsewhere: Option<Vec<String>>,
    /// `confupdtype` / `confdeltype`: `a`, `r`, `c`, `n`, `d` (space for non-FKs).
    pub on_update: String,
    pub on_delete: String,
    /// `confmatchtype`: `s` simple, `f` full (space for non-FKs).
    pub match_type: String,
    pub deferrable: bool,
    pub deferred: bool,
    pub validated: bool,
    pub nulls_not_distinct: bool,
    /// Column numbers of a unique constraint's `INCLUDE` columns.
    pub include_numbers: Vec<i16>,
    /// `pg_get_constraintdef()` of a check, e.g. `CHECK (price > 0::double
    /// precision)`; empty for the other kinds (deparsing them is wasted work).
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub unique: bool,
    pub nulls_not_distinct: bool,
    pub method: String,
    pub predicate: Option<String>,
    /// Per key position: the column number, 0 for an expression.
    pub key_numbers: Vec<i16>,
    /// Column numbers of the `INCLUDE` columns.
    pub include_numbers: Vec<i16>,
    /// Per key position: `indoption` bits (1: DESC, 2: NULLS FIRST).
    pub key_options: Vec<i16>,
    /// Per key position, when some key uses a non-default operator class: its
    /// name, empty for a default one.
    pub key_opclasses: Option<Vec<String>>,
    /// Per key position, when some key is an expression: what
    /// `pg_get_indexdef(index, position, true)` prints for it (empty for a
    /// column: deparsing costs, names do not).
    pub key_expressions: Option<Vec<String>>,
    /// Per key position, when some key has a collation other than the
    /// default: its `COLLATE`, empty for a key that has its column's own.
    pub key_collations: Option<Vec<String>>,
}

/// One object Forge does not manage (see [`OBJECTS`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectRow {
    /// An [`crate::model::ObjectKind`] name: `view`, `trigger`...
    pub kind: String,
    pub schema: String,
    pub name: String,
    /// The table it belongs to (a trigger's), or a sequence's owner.
    pub table_schema: Option<String>,
    pub table: Option<String>,
    pub definition: Option<String>,
    /// What it is known by in `requires`, for this database only.
    pub key: String,
    pub requires: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumRow {
    pub name: String,
    pub labels: Vec<String>,
}

/// Every row the catalog queries returned for the schemas read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogRows {
    /// The schemas read that exist, the default one among them.
    pub namespaces: Vec<String>,
    pub tables: Vec<TableRow>,
    pub columns: Vec<ColumnRow>,
    pub constraints: Vec<ConstraintRow>,
    pub indexes: Vec<IndexRow>,
    pub enums: Vec<EnumRow>,
    /// Empty when they were not read.
    pub objects: Vec<ObjectRow>,
}

impl CatalogRows {
    pub fn len(&self) -> usize {
        self.tables.len()
            + self.columns.len()
            + self.constraints.len()
            + self.indexes.len()
            + self.enums.len()
            + self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What [`fetch`] reads of the objects Forge does not manage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmanaged {
    /// Nothing: the managed tables and enum types only.
    Skip,
    /// Each object with the SQL that creates it.
    Define,
}

/// Runs the catalog queries of the managed tables and enum types for
/// `schema` (the default one) and `others`. `None` when the default schema
/// does not exist.
pub async fn fetch(
    conn: &mut PgConnection,
    schema: &str,
    others: &[String],
) -> Result<Option<CatalogRows>, IntrospectError> {
    fetch_with(conn, schema, others, Unmanaged::Skip).await
}

/// [`fetch`], and the objects Forge does not manage as `unmanaged` says.
pub async fn fetch_with(
    conn: &mut PgConnection,
    schema: &str,
    others: &[String],
    unmanaged: Unmanaged,
) -> Result<Option<CatalogRows>, IntrospectError> {
    let mut schemas = vec![schema.to_string()];
    schemas.extend(others.iter().filter(|o| *o != schema).cloned());
    let version = conn.server_version_num();
    let read = Read {
        schema,
        schemas: &schemas,
    };
    let table_rows = read.run(conn, "tables", TABLES).await?;
    if !table_rows
        .iter()
        .any(|row| row.try_get::<String, _>("schema_name").ok().as_deref() == Some(schema))
    {
        return Ok(None);
    }
    let tables = decode(schema, "tables", &table_rows, |row| {
        match row.try_get::<Option<String>, _>("table_name")? {
            Some(name) => Ok(Some(TableRow {
                schema: row.try_get("schema_name")?,
                name,
                comment: row.try_get("comment")?,
                partition_by: row.try_get("partition_by")?,
            })),
            // The schema exists but holds no table.
            None => Ok(None),
        }
    })?
    .into_iter()
    .flatten()
    .collect();
    let namespaces = decode(schema, "tables", &table_rows, |row| {
        row.try_get("schema_name")
    })?;
    let columns = decode(
        schema,
        "columns",
        &read.run(conn, "columns", COLUMNS).await?,
        column_row,
    )?;
    let constraints = decode(
        schema,
        "constraints",
        &read
            .run(conn, "constraints", &for_server(CONSTRAINTS, version, "ci"))
            .await?,
        constraint_row,
    )?;
    let indexes = decode(
        schema,
        "indexes",
        &read
            .run(conn, "indexes", &for_server(INDEXES, version, "i"))
            .await?,
        index_row,
    )?;
    let enums = decode(
        schema,
        "enum types",
        &read.run(conn, "enum types", ENUMS).await?,
        |row| {
            Ok(EnumRow {
                name: row.try_get("name")?,
                labels: row.try_get("labels")?,
            })
        },
    )?;
    let objects = match unmanaged {
        Unmanaged::Skip => Vec::new(),
        Unmanaged::Define => decode(
            schema,
            "objects Forge does not manage",
            &read.run_objects(conn, version).await?,
            object_row,
        )?,
    };
    let mut namespaces: Vec<String> = namespaces;
    namespaces.dedup();
    Ok(Some(CatalogRows {
        namespaces,
        tables,
        columns,
        constraints,
        indexes,
        enums,
        objects,
    }))
}

/// The parameter every catalog query takes: the schemas to read (`$1`), the
/// default one (named in errors) first.
struct Read<'a> {
    schema: &'a str,
    schemas: &'a [String],
}

impl Read<'_> {
    async fn run(
        &self,
        conn: &mut PgConnection,
        catalog: &'static str,
        sql: &str,
    ) -> Result<Vec<PgRow>, IntrospectError> {
        sqlx::query(sql)
            .bind(self.schemas)
            .fetch_all(conn)
            .await
            .map_err(|source| IntrospectError::CatalogQuery {
                catalog,
                schema: self.schema.to_string(),
                source,
            })
    }

    /// [`OBJECTS`], deparsing definitions, in one message after `SET LOCAL
    /// jit = off`: its many subqueries make its estimated cost cross
    /// `jit_above_cost` on a large catalog, and compiling it then costs far
    /// more than running it (6.5 s against 0.15 s for 1,000 tables). A
    /// simple query of several statements is one implicit transaction, so
    /// the setting ends with it; its parameters are written in as literals.
    async fn run_objects(
        &self,
        conn: &mut PgConnection,
        server_version_num: Option<u32>,
    ) -> Result<Vec<PgRow>, IntrospectError> {
        let schemas: Vec<String> = self.schemas.iter().map(|s| literal(s)).collect();
        let sql = format!(
            "SET LOCAL jit = off;\n{}",
            objects_for_server(server_version_num)
                .replace("$1", &format!("ARRAY[{}]::text[]", schemas.join(", ")))
                .replace("$2", "true")
        );
        // A query without arguments goes as a simple query (as `raw_sql`).
        sqlx::Executor::fetch_all(conn, sql.as_str())
            .await
            .map_err(|source| IntrospectError::CatalogQuery {
                catalog: "objects Forge does not manage",
                schema: self.schema.to_string(),
                source,
            })
    }
}

fn decode<T>(
    schema: &str,
    catalog: &'static str,
    rows: &[PgRow],
    read: impl Fn(&PgRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, IntrospectError> {
    rows.iter()
        .map(&read)
        .collect::<Result<_, _>>()
        .map_err(|source| IntrospectError::CatalogQuery {
            catalog,
            schema: schema.to_string(),
            source,
        })
}

fn column_row(row: &PgRow) -> Result<ColumnRow, sqlx::Error> {
    let sequence = match row.try_get::<Option<String>, _>("sequence_name")? {
        Some(name) => Some(SequenceRow {
            name,
            dependency: row.try_get("sequence_dependency")?,
            start: row.try_get("sequence_start")?,
            increment: row.try_get("sequence_increment")?,
            min: row.try_get("sequence_min")?,
            max: row.try_get("sequence_max")?,
            cache: row.try_get("sequence_cache")?,
            cycle: row.try_get("sequence_cycle")?,
        }),
        None => None,
    };
    Ok(ColumnRow {
        schema: row.try_get("table_schema")?,
        table: row.try_get("table_name")?,
        name: row.try_get("column_name")?,
        position: row.try_get("position")?,
        type_name: row.try_get("type_name")?,
        type_kind: row.try_get("type_kind")?,
        type_schema: row.try_get("type_schema")?,
        element_name: row.try_get("element_name")?,
        element_kind: row.try_get("element_kind")?,
        element_schema: row.try_get("element_schema")?,
        type_modifier: row.try_get("type_modifier")?,
        formatted_type: row.try_get("formatted_type")?,
        not_null: row.try_get("not_null")?,
        default: row.try_get("default_expression")?,
        generated: row.try_get("generated_expression")?,
        identity: row.try_get("identity")?,
        collation: row.try_get("collation")?,
        sequence,
        comment: row.try_get("comment")?,
    })
}

fn constraint_row(row: &PgRow) -> Result<ConstraintRow, sqlx::Error> {
    Ok(ConstraintRow {
        schema: row.try_get("table_schema")?,
        table: row.try_get("table_name")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        column_numbers: row
            .try_get::<Option<Vec<i16>>, _>("column_numbers")?
            .unwrap_or_default(),
        referenced_schema: row.try_get("referenced_schema")?,
        referenced_table: row.try_get("referenced_table")?,
        referenced_column_numbers: row
            .try_get::<Option<Vec<i16>>, _>("referenced_column_numbers")?
            .unwrap_or_default(),
        referenced_columns_elsewhere: row.try_get("referenced_columns_elsewhere")?,
        on_update: row.try_get("on_update")?,
        on_delete: row.try_get("on_delete")?,
        match_type: row.try_get("match_type")?,
        deferrable: row.try_get("deferrable")?,
        deferred: row.try_get("deferred")?,
        validated: row.try_get("validated")?,
        nulls_not_distinct: row.try_get("nulls_not_distinct")?,
        include_numbers: row
            .try_get::<Option<Vec<i16>>, _>("include_numbers")?
            .unwrap_or_default(),
        definition: row.try_get("definition")?,
    })
}

fn object_row(row: &PgRow) -> Result<ObjectRow, sqlx::Error> {
    Ok(ObjectRow {
        kind: row.try_get("kind")?,
        schema: row.try_get("schema_name")?,
        name: row.try_get("name")?,
        table_schema: row.try_get("table_schema")?,
        table: row.try_get("table_name")?,
        definition: row.try_get("definition")?,
        key: row.try_get("key")?,
        requires: row.try_get("requires")?,
    })
}

fn index_row(row: &PgRow) -> Result<IndexRow, sqlx::Error> {
    Ok(IndexRow {
        schema: row.try_get("table_schema")?,
        table: row.try_get("table_name")?,
        name: row.try_get("name")?,
        unique: row.try_get("is_unique")?,
        nulls_not_distinct: row.try_get("nulls_not_distinct")?,
        method: row.try_get("method")?,
        predicate: row.try_get("predicate")?,
        key_numbers: row.try_get("key_numbers")?,
        include_numbers: row
            .try_get::<Option<Vec<i16>>, _>("include_numbers")?
            .unwrap_or_default(),
        key_options: row.try_get("key_options")?,
        key_opclasses: row.try_get("key_opclasses")?,
        key_expressions: row.try_get("key_expressions")?,
        key_collations: row.try_get("key_collations")?,
    })
}
