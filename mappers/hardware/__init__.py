"""Physical cores: packing soft cores onto them, the lower bound, the hard-core mapping."""
