"""Work done per financial year (partitioned by data/seeds/financial_years.csv)."""
