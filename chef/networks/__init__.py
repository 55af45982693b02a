"""Flax networks: observation torsos, per-task heads, multi-task policy and critic."""

from chef.networks.multitask import CriticNetwork, NetworkConfig, PolicyNetwork, make_networks
from chef.networks.torsos import RESNET_PRESETS, ResNetSpec

__all__ = ["CriticNetwork", "NetworkConfig", "PolicyNetwork", "RESNET_PRESETS", "ResNetSpec", "make_networks"]
