"""Alert tooling: seeded labelled evaluation streams and the presets' evaluation on them."""
