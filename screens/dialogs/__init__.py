"""The console's forms, each a modal dialog (``ModalScreen[T]``) that dismisses with what it saved.

Every dialog takes the services (and, where it makes sense, a preset customer, complaint or sale), saves
with ``ctrl+s``, cancels with ``esc``, and shows a refused save's sentence under the field it names,
keeping what was typed. Callers ``push_screen(dialog, callback)`` or ``await push_screen_wait(dialog)``
in a worker.
"""

from __future__ import annotations

from screens.dialogs.complaint import ComplaintDialog, ComplaintStepDialog
from screens.dialogs.contact import ContactDialog
from screens.dialogs.form import CustomerFinder, CustomerSuggester, FieldError, FormDialog
from screens.dialogs.manual_reminder import ManualReminderDialog
from screens.dialogs.risk_questionnaire import RiskQuestionnaireDialog
from screens.dialogs.sale_registration import SaleRegistrationDialog
from screens.dialogs.visit_plan import VisitPlanDialog
from screens.dialogs.visit_record import VisitRecordDialog
from screens.dialogs.work_log import WorkLogDialog

__all__ = [
    "ComplaintDialog",
    "ComplaintStepDialog",
    "ContactDialog",
    "CustomerFinder",
    "CustomerSuggester",
    "FieldError",
    "FormDialog",
    "ManualReminderDialog",
    "RiskQuestionnaireDialog",
    "SaleRegistrationDialog",
    "VisitPlanDialog",
    "VisitRecordDialog",
    "WorkLogDialog",
]
