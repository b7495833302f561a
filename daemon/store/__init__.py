"""The database: the engine and its transactions (database), the tables (models) and their named
values (statuses), leases on work rows, the read-side queries, the migrations."""
