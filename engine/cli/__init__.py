"""The `onething` command line. Each command module keeps module-level imports light."""
