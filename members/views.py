from django.http import Http404


def _placeholder(request, *args, **kwargs):  # replaced in this session
    raise Http404


application_start = application_detail = application_edit = application_answer = _placeholder
application_withdraw = attachment_download = attachment_delete = _placeholder
