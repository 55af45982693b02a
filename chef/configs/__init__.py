"""Experiment configs (ml_collections), one file per stage, and sweep files (`sweeps/`).

Commands find them by name (`--config=collect:state`, `--sweep=sweeps/chef_demo`) from any
directory: chef.utils.config.resolve_config_file.
"""
