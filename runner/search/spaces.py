"""The search space each builder declares: how a trial's choices become the builder's config."""

SPACES = {
    "mlp": {
        "suggest": lambda trial: {
            "hidden": [trial.suggest_categorical(f"width_{i}", [16, 32, 64, 128, 256])
                       for i in range(trial.suggest_int("depth", 1, 3))],
            "batch_norm": True,
        },
    },
    "conv": {
        "suggest": lambda trial: {
            "channels": [trial.suggest_categorical(f"channels_{i}", [8, 16, 32])
                         for i in range(trial.suggest_int("convs", 1, 3))],
            "pool_after": [0],
            "hidden": [trial.suggest_categorical("hidden", [32, 64, 128])],
            "batch_norm": True,
        },
    },
}
