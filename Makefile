# Two commands do all set-up on a fresh machine:
#   make lab   -> .venv (if missing) + install + JupyterLab on notebooks/
#   make test  -> .venv (if missing) + install + the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test install bench clean student grade

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the requirements or the package metadata change.
$(STAMP): $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet -e . --no-deps
	touch $(STAMP)

install: $(STAMP)

# JupyterLab refuses to start as root unless told it is on purpose (containers).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG)

test: $(STAMP)
	$(BIN)/python -m pytest

# Coursework (docs/instructors.md):
#   make student                          -> student edition of notebooks/ in build/student/
#   make grade SUBMISSIONS=DIR            -> grades/grades.csv + grades/feedback/<student>.md
# SOURCE, COURSE_SEED, TIMEOUT (s per notebook) and JOBS can be set the same way.
SOURCE      ?= notebooks/
COURSE_SEED ?= 0
TIMEOUT     ?= 300
JOBS        ?= 1

student: $(STAMP)
	$(BIN)/python -m vetora_nb.coursework student $(SOURCE) build/student/ --course-seed $(COURSE_SEED)

grade: $(STAMP)
	$(if $(SUBMISSIONS),,$(error set SUBMISSIONS to the folder of submissions, e.g. make grade SUBMISSIONS=submissions/))
	$(BIN)/python -m vetora_nb.coursework grade $(SUBMISSIONS) --source $(SOURCE) --out grades/ \
		--course-seed $(COURSE_SEED) --timeout $(TIMEOUT) --jobs $(JOBS)

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) build .pytest_cache
