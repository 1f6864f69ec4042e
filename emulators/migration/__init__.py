"""Emulator of the host-to-cloud migration platform (Transport servers, Packer source hosts, tasks)."""
