"""CHEF stages (collect, sweep, execute, fine-tune) and the processes they run."""
