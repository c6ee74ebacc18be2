"""The demo data `make run` loads: content in content.py, loading it in seed.py."""
