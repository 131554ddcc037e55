//! The derive input as a typed model: an entity (struct, fields, attributes) or
//! a PostgreSQL enum (variants, labels). Code is generated from this, never
//! from raw `syn` nodes.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::attr::{doc_comment, ContainerAttrs, EnumAttrs, FieldAttrs, VariantAttrs};
use crate::case;
use crate::ctxt::Ctxt;

/// A struct deriving `EntityTable`.
pub struct Entity<'a> {
    pub ident: &'a syn::Ident,
    pub attrs: ContainerAttrs,
    pub comment: Option<String>,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    pub ident: &'a syn::Ident,
    pub ty: &'a syn::Type,
    pub attrs: FieldAttrs,
    pub comment: Option<String>,
}

impl Entity<'_> {
    /// The table name: `table = "..."`, else snake_case of the struct name minus `Table`.
    pub fn table_name(&self) -> String {
        match self.attrs.table.get() {
            Some(name) => name.clone(),
            None => case::table_name(&self.ident.unraw().to_string()),
        }
    }

    /// The fields that are columns of their own (neither skipped nor flattened).
    pub fn columns(&self) -> impl Iterator<Item = &Field<'_>> {
        self.fields.iter().filter(|f| f.is_column())
    }

    pub fn has_flatten(&self) -> bool {
        self.fields.iter().any(|f| f.attrs.flatten.is_set())
    }
}

impl Field<'_> {
    /// The column name: `column = "..."`, else the field name.
    pub fn column_name(&self) -> String {
        match self.attrs.column.get() {
            Some(name) => name.clone(),
            None => self.ident.unraw().to_string(),
        }
    }

    pub fn is_column(&self) -> bool {
        !self.attrs.skip.is_set() && !self.attrs.flatten.is_set()
    }

    /// `Option<...>` as written: how nullability is known when the type is not asked.
    pub fn is_option(&self) -> bool {
        let syn::Type::Path(p) = self.ty else {
            return false;
        };
        p.qself.is_none()
            && p.path.segments.last().is_some_and(|s| {
                s.ident == "Option" && matches!(&s.arguments, syn::PathArguments::AngleBracketed(a) if a.args.len() == 1)
            })
    }
}

impl<'a> Entity<'a> {
    /// The model of the input, or `None` when its shape is not a struct with
    /// named fields (already reported to `cx`).
    pub fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Self> {
        let attrs = ContainerAttrs::from_ast(cx, &input.attrs);
        reject_generics(cx, &input.generics, "EntityTable", "a table");
        let fields = match &input.data {
            syn::Data::Struct(s) => match &s.fields {
                syn::Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
                syn::Fields::Unnamed(_) => {
                    cx.error_at(
                        input.ident.span(),
                        "`EntityTable` needs a struct with named fields: each field name is a column name",
                    );
                    return None;
                }
                syn::Fields::Unit => {
                    cx.error_at(
                        input.ident.span(),
                        "`EntityTable` needs a struct with named fields, one per column",
                    );
                    return None;
                }
            },
            syn::Data::Enum(e) => {
                cx.error_at(
                    e.enum_token.span,
                    "`EntityTable` can only be derived for a struct; to store an enum in a column, derive `PgEnum` for it",
                );
                return None;
            }
            syn::Data::Union(u) => {
                cx.error_at(
                    u.union_token.span,
                    "`EntityTable` can only be derived for a struct, not a union",
                );
                return None;
            }
        };
        let fields = fields
            .into_iter()
            .filter_map(|f| {
                Some(Field {
                    ident: f.ident.as_ref()?,
                    ty: &f.ty,
                    attrs: FieldAttrs::from_ast(cx, &f.attrs),
                    comment: doc_comment(&f.attrs),
                })
            })
            .collect();
        Some(Entity {
            ident: &input.ident,
            attrs,
            comment: doc_comment(&input.attrs),
            fields,
        })
    }
}

/// An enum deriving `PgEnum`.
pub struct PgEnumDef<'a> {
    pub ident: &'a syn::Ident,
    pub attrs: EnumAttrs,
    pub variants: Vec<Variant<'a>>,
}

pub struct Variant<'a> {
    pub ident: &'a syn::Ident,
    pub attrs: VariantAttrs,
    /// Where the label comes from: the `rename` value, else the variant name.
    pub label_span: Span,
}

impl PgEnumDef<'_> {
    pub fn type_name(&self) -> String {
        match self.attrs.name.get() {
            Some(name) => name.clone(),
            None => case::snake_case(&self.ident.unraw().to_string()),
        }
    }
}

impl Variant<'_> {
    pub fn label(&self) -> String {
        match self.attrs.rename.get() {
            Some(label) => label.clone(),
            None => case::snake_case(&self.ident.unraw().to_string()),
        }
    }
}

impl<'a> PgEnumDef<'a> {
    pub fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Self> {
        let attrs = EnumAttrs::from_ast(cx, &input.attrs);
        reject_generics(cx, &input.generics, "PgEnum", "an enum type");
        let syn::Data::Enum(data) = &input.data else {
            let token = match &input.data {
                syn::Data::Struct(s) => s.struct_token.span,
                syn::Data::Union(u) => u.union_token.span,
                syn::Data::Enum(e) => e.enum_token.span,
            };
            cx.error_at(
                token,
                "`PgEnum` can only be derived for an enum with fieldless variants, each one a label",
            );
            return None;
        };
        let variants = data
            .variants
            .iter()
            .map(|v| {
                let attrs = VariantAttrs::from_ast(cx, &v.attrs);
                let label_span = attrs.rename.slot().map(|s| s.value_span).unwrap_or_else(|| v.ident.span());
                if !matches!(v.fields, syn::Fields::Unit) {
                    cx.error_at(
                        v.fields.span(),
                        format!(
                            "variant `{}` carries data; a PostgreSQL enum label is a name only, so `PgEnum` variants must be fieldless",
                            v.ident
                        ),
                    );
                }
                Variant { ident: &v.ident, attrs, label_span }
            })
            .collect();
        Some(PgEnumDef {
            ident: &input.ident,
            attrs,
            variants,
        })
    }
}

/// A table (or enum type) is one fixed thing in the database; a type parameter
/// would give one Rust type many schemas, which the registry cannot represent.
fn reject_generics(cx: &Ctxt, generics: &syn::Generics, derive: &str, thing: &str) {
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            format!("`{derive}` cannot be derived for a generic type: {thing} has one fixed definition in the database; remove the generic parameters"),
        );
    }
}
