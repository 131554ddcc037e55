//! Autogenerate: connect, introspect, diff, render.
