"""Results of CHEF runs: reading run directories, statistics, tables and plots."""
