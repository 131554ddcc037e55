//! `#[forge::test]`: an `async fn` test with a database of its own. Expands to
//! a plain `#[test]` that hands the function to `forge::testing::run`, which
//! owns the runtime and the database (so the database is dropped also when the
//! test panics, and the app needs no tokio dev-dependency).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, ItemFn, Lit, Token};

/// `migrations = MIGRATIONS` or `migrations = "migrations/versions"`.
struct Args {
    migrations: Option<Expr>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Ok(Args { migrations: None });
        }
        let key: syn::Ident = input.parse()?;
        if key != "migrations" {
            return Err(syn::Error::new(
                key.span(),
                format!("unknown argument `{key}`: #[forge::test] takes `migrations = MIGRATIONS` (a static from forge::migrations!) or `migrations = \"migrations/versions\"`"),
            ));
        }
        input.parse::<Token![=]>()?;
        let value: Expr = input.parse()?;
        if !input.is_empty() {
            return Err(input.error("#[forge::test] takes one argument, `migrations = ...`"));
        }
        Ok(Args {
            migrations: Some(value),
        })
    }
}

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match try_expand(args, item.clone()) {
        Ok(tokens) => tokens,
        // The function as written after the error, so one mistake is one error.
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#error #item)
        }
    }
}

fn try_expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args: Args = syn::parse2(args)?;
    let function: ItemFn = syn::parse2(item)?;
    if function.sig.asyncness.is_none() {
        return Err(syn::Error::new(
            function.sig.fn_token.span(),
            "#[forge::test] runs an `async fn`; add `async`, or use #[test] for a test without a database",
        ));
    }
    if function.sig.inputs.len() > 1 {
        return Err(syn::Error::new(
            function.sig.inputs.span(),
            "#[forge::test] passes one argument: a `forge::testing::TestDatabase` or a `sqlx::PgPool`",
        ));
    }
    let migrations = match &args.migrations {
        None => quote!(::core::option::Option::None),
        Some(Expr::Lit(literal)) if matches!(literal.lit, Lit::Str(_)) => {
            let folder = &literal.lit;
            quote! {
                ::core::option::Option::Some({
                    static MIGRATIONS: ::forge::migrate::EmbeddedMigrations = ::forge::migrations!(#folder);
                    &MIGRATIONS
                })
            }
        }
        Some(expression) => {
            quote_spanned!(expression.span()=> ::core::option::Option::Some(&#expression))
        }
    };

    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    let name = &sig.ident;
    let output = &sig.output;
    let inner = format_ident!("__forge_test_{}", name);
    let mut inner_sig = sig.clone();
    inner_sig.ident = inner.clone();
    let call = if sig.inputs.is_empty() {
        quote!(#inner().await)
    } else {
        quote!(#inner(::forge::testing::TestArgument::from_test_database(&database)).await)
    };
    Ok(quote! {
        #[::core::prelude::v1::test]
        #(#attrs)*
        #vis fn #name() #output {
            #inner_sig #block
            ::forge::testing::run(#migrations, |database| async move {
                let outcome = #call;
                ::core::mem::drop(database);
                outcome
            })
        }
    })
}
