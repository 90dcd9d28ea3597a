import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()
# What Django and the apps loaded stays alive for the worker's life: moved out of the garbage
# collector's view, a full collection no longer walks it on some request (issue 19; the same
# as portal.pdf does after its first PDF). See docs/architecture.md.
gc.freeze()
