"""NLP chain: language id (`langid`), normalisation (`normalize`), sentiment (`sentiment`, `enrich`),
themes (`themes`), and the `sentiment score` CLI (`cli`). Heavy libraries load on first use."""
