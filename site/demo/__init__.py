"""Demo content for the fictional creator Ilka Sommer (load_initial_data)."""
