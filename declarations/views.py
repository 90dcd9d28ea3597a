from django.http import Http404


def _placeholder(request, *args, **kwargs):  # replaced by its owner in this session
    raise Http404


current = sign = signature_detail = signature_pdf = version_detail = blank_form = _placeholder
