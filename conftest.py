# The workshop's pytest plugin: --target exercises|solutions, and short messages for unfinished TODOs.
pytest_plugins = ["workshop.pytest_plugin"]
