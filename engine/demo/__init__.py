"""`onething demo`: the sample applications of the definitions folder run to their end, and
the supervision scene. Only the `onething demo` command imports this package; the product
(engine, flows, `onething serve`) never does."""
