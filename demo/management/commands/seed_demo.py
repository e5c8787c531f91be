from django.core.management.base import BaseCommand

from demo.workspace import seed_demo


class Command(BaseCommand):
    help = "Create the demo workspace (safe to run again: it changes nothing the second time)."

    def handle(self, *args: object, **options: object) -> None:
        logins = seed_demo()
        self.stdout.write("Demo logins:")
        for login in logins:
            self.stdout.write(f"  {login.role:<10} username {login.username:<11} password {login.password}")
