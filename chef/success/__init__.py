"""Multi-task visual success detectors: model, augmentation, training, metrics, relabelling."""
