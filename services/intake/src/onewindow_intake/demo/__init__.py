"""演示数据: a realistic service-item catalogue (事项目录, 一件事, 一张表单) for one city, 杭州市 (330100),
in ``catalogue.toml`` next to this module; read it with ``importlib.resources`` and ``tomllib``."""
