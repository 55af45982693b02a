"""chef: multi-task RL for robot manipulation (CHEF collect-and-infer, MT-Opt)."""
