# Face Auth Workshop. `make demo` and `make test` set everything up on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EX     ?= ex03
QUICK  ?=

.PHONY: setup demo test lint progress hint watch diff solutions check stubs bench clean

# (Re)install when pyproject.toml changes. The `all` extra brings dlib's face model, eval and bench tools.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[all]'
	touch $(STAMP)

setup: $(STAMP)

## The two commands
demo: setup                 ## the complete face-auth system, offline, on the shipped images
	$(BIN)/faceauth demo

test: setup lint            ## the whole suite: exercise tests on solutions/, meta-tests, system tests
	$(BIN)/python -m pytest --target=solutions

lint: setup
	$(BIN)/ruff check .

## Learners
progress: setup             ## your progress through the five exercises
	$(BIN)/python -m workshop progress
hint: setup                 ## the next hint: make hint EX=ex03
	$(BIN)/python -m workshop hint $(EX)
watch: setup                ## rerun an exercise's tests on every save: make watch EX=ex03
	$(BIN)/python -m workshop watch $(EX)

## Instructors
diff: setup                 ## stub vs solution, only the TODO bodies: make diff EX=ex03
	$(BIN)/python -m workshop diff $(EX) --color
solutions: setup            ## every exercise's tests against solutions/
	$(BIN)/python -m workshop solutions
check: setup                ## the meta-tests: tests teach, stubs match solutions, mutants are caught
	$(BIN)/python -m workshop check
stubs: setup                ## regenerate exercises/ stubs after editing solutions/
	$(BIN)/python -m workshop stubs --write
bench: setup                ## benchmarks against their references (QUICK=1 for a short run)
	$(BIN)/python benchmarks/run_all.py $(if $(QUICK),--quick,)

clean:
	rm -rf $(VENV) .workshop build *.egg-info
