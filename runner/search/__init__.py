"""Architecture search: builders' search spaces and the multi-objective search over them."""
