"""The only SQL: opening the database, migrations, the Store, row to model decoding."""
