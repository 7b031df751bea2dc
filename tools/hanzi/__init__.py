"""Traditional-to-simplified Han table for search folding (core/query/hanzi_table.py)."""
