"""Multi-task QT-Opt (MT-Opt): Q(s, a, task), CEM maximisation, learner and actor."""
