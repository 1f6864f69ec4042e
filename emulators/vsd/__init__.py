"""Emulator of the VSD hyper-converged compute API, VM snapshot part (`vsd-vm-snapshot-api.md`)."""
