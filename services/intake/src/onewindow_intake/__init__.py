"""一窗受理: One-window intake: catalogue, one-thing bundles, applications, materials vault, 容缺, 告知承诺."""
