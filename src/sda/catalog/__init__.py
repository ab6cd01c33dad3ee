"""The shared catalog: records, schema, and the store (the only module that speaks SQL)."""
