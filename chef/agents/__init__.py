"""Agents: multi-task MPO (chef.agents.mpo), behaviour cloning (chef.agents.bc)."""
