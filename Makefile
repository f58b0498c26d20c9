# Two commands matter: `make demo` and `make test`. Each sets itself up (idempotently) first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV := .venv
PY := $(VENV)/bin/python
CACHE := $(or $(EMOTION_CACHE_DIR),$(HOME)/.cache/emotion_perception)
RUN := source scripts/env.sh &&
INSTALLED := $(VENV)/.installed
POSE_MODELS := models/pose/pose_landmarker_lite.task models/pose/pose_landmarker_full.task models/pose/pose_landmarker_heavy.task
FOOTAGE := $(CACHE)/opencv-doc/vtest.avi
WORKSPACE := ros2_ws/install/.built
MSGS := $(wildcard ros2_ws/src/emotion_perception_msgs/msg/*.msg) ros2_ws/src/emotion_perception_msgs/CMakeLists.txt

.PHONY: setup demo test clean lock train evaluate bench goldens

setup: $(INSTALLED) $(POSE_MODELS) $(FOOTAGE) $(WORKSPACE)

$(INSTALLED): requirements.lock setup.py
	@ldconfig -p | grep -q 'libGL.so.1 ' || { apt-get update -qq && apt-get install -y -qq libgl1; }
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock 'setuptools<80'
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(POSE_MODELS) &: scripts/fetch_pose_models.sh models/pose/SHA256SUMS $(INSTALLED)
	scripts/fetch_pose_models.sh
	touch $(POSE_MODELS)

$(FOOTAGE): scripts/fetch_footage.sh
	scripts/fetch_footage.sh

$(WORKSPACE): $(MSGS) package.xml setup.py $(INSTALLED) scripts/build_ws.sh
	@# hri_msgs comes from ../shared/third_party (scripts/build_ws.sh links it)
	scripts/build_ws.sh
	touch $@

demo: setup
	$(RUN) scripts/demo.sh

test: setup
	$(RUN) python -m pytest

# Training and evaluation on the mocap of three studios (CPU; nothing needs a GPU). How long each
# takes on a 2-core machine is measured in the model card's "Cost" table (MODEL_CARD.md).
# `emotion-perception evaluate --screen [--recipe FILE]` scores an idea (one seed, every source
# held out) into reports/screening/; `--parts cross_source` reruns one part and keeps the others.
# Trained windows and leave-one-out models are cached (~/.cache/emotion_perception): a second run
# of the same recipe projects and trains nothing it has already.
train: setup
	$(RUN) emotion-perception train

evaluate: setup
	$(RUN) emotion-perception evaluate && python tools/update_docs.py evaluation

# Speed and memory figures (reports/bench/latest.json and the README table); not a test.
bench: setup
	$(RUN) emotion-perception bench && python tools/update_docs.py bench

# Regenerate the golden replay outputs (test/goldens) after a deliberate change; review the diff.
goldens: setup
	$(RUN) python test/golden_cases.py --write

# Maintainers: after changing requirements.txt, rebuild the venv from it and re-pin.
lock:
	$(PY) -m pip install -q -r requirements.txt
	$(PY) scripts/lock_requirements.py > requirements.lock

clean:
	rm -rf ros2_ws/build ros2_ws/install ros2_ws/log out
