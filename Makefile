# Two commands do all set-up on a fresh machine:
#   make lab   -> .venv (if missing) + install + JupyterLab on the student edition
#                 (exercises blank; your copies in my_notebooks/, kept across rebuilds)
#   make lab EDITION=instructor -> JupyterLab on notebooks/, the source with every solution
#   make test  -> .venv (if missing) + install + the whole test suite
# and one serves the panels as web pages, code hidden:
#   make app   -> Voila on app/ at http://127.0.0.1:8866 (the URL it prints carries the token)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test install bench clean student grade app

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

EDITION ?= student
WORKSPACE ?= my_notebooks

lab: $(STAMP)
ifeq ($(EDITION),instructor)
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG)
else ifeq ($(EDITION),student)
	$(BIN)/python -m vetora_nb.coursework lab notebooks/ build/student/ $(WORKSPACE)/
	$(BIN)/jupyter lab $(WORKSPACE)/ $(ROOT_FLAG)
else
	$(error EDITION must be student (the default) or instructor, not $(EDITION))
endif

test: $(STAMP)
	$(BIN)/python -m pytest

# App mode: every notebook in APP_PAGES is a page (Voila lists them), shown with its
# code hidden and its widgets live, for projecting in a lecture or for students who
# should not see code. Loopback only, behind a token: the one Voila makes up (it
# prints the URL with it), or APP_TOKEN=... . Voila itself does not refuse root; its
# kernels run the pages like the lab's, so ROOT_FLAG is not needed here.
APP_PAGES ?= app/
APP_PORT  ?= 8866
APP_TOKEN ?=

app: $(STAMP)
	$(BIN)/voila $(APP_PAGES) --no-browser --Voila.ip=127.0.0.1 --port=$(APP_PORT) \
		$(if $(APP_TOKEN),--token=$(APP_TOKEN),--token) --Voila.port_retries=0

# Coursework (docs/instructors.md):
#   make student                -> build/student/ (emptied first): the student edition of notebooks/,
#                                  README.md, data/ and the package's wheel; build/student.zip to hand out
#   make grade SUBMISSIONS=DIR  -> grades/grades.csv, gradebook.csv, canvas.csv, feedback/<student>.md
# SOURCE, COURSE_SEED, TIMEOUT (s per run of a notebook), JOBS, SECRET (the course secret's file)
# and SANDBOX (auto, bwrap or none) can be set the same way.
SOURCE      ?= notebooks/
COURSE_SEED ?= 0
TIMEOUT     ?= 300
JOBS        ?= 1
SECRET      ?= .course_secret
SANDBOX     ?= auto

student: $(STAMP)
	$(BIN)/python -m vetora_nb.coursework student $(SOURCE) build/student/ --course-seed $(COURSE_SEED) \
		--wheel --zip build/student.zip

grade: $(STAMP)
	$(if $(SUBMISSIONS),,$(error set SUBMISSIONS to the folder of submissions, e.g. make grade SUBMISSIONS=submissions/))
	$(BIN)/python -m vetora_nb.coursework grade $(SUBMISSIONS) --source $(SOURCE) --out grades/ \
		--course-seed $(COURSE_SEED) --timeout $(TIMEOUT) --jobs $(JOBS) \
		--secret-file $(SECRET) --sandbox $(SANDBOX)

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) build .pytest_cache
