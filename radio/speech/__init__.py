"""Speech: text normalization, engines, clip cache and the synthesis stage."""
