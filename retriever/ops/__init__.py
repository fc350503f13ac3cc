"""Operations on an index: doctor, migration to PostgreSQL, evaluation."""
