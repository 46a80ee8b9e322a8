"""The state the annex-3 rollups read: one row per county and week, kept in step with every write
that changes a figure, in the same transaction."""
