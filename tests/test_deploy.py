from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_the_compose_file_names_the_production_services_with_health_checks():
    # given
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    # when
    services = compose["services"]
    # then
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "email_idle" in services["mail-idle"]["command"]
    assert all("healthcheck" in services[name] for name in services)
    assert "daphne" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]
