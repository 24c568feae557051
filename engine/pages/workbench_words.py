"""The definitions workbench's words (事项编排), 简体中文 first; `i18n.t` reads them."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "workbench": ("事项编排", "Workflow workbench"),
    "wb_registered_list": ("本部门已登记的事项", "The department's registered workflows"),
    "wb_versions": ("版本", "Versions"),
    "wb_current": ("现行版本", "Current"),
    "wb_load": ("载入编辑", "Load to edit"),
    "wb_definition": ("事项定义", "Definition"),
    "wb_source": ("工作流定义（YAML）", "Workflow definition (YAML)"),
    "wb_upload": ("或上传文件", "Or upload a file"),
    "wb_check": ("检查", "Check"),
    "wb_dry_run": ("试算", "Dry run"),
    "wb_register": ("登记", "Register"),
    "wb_problems": ("发现 {n} 个问题", "{n} problem(s) found"),
    "wb_at": ("第 {line} 行第 {col} 列", "line {line}, column {col}"),
    "wb_listing": ("源文件（问题所在行已标出）", "The source (lines with problems marked)"),
    "wb_valid": ("定义有效：{id} 第 {version} 版", "Valid: {id} version {version}"),
    "wb_plan": ("时限测算", "Plan"),
    "wb_path": ("路径", "Path"),
    "wb_otherwise": ("其他情形", "otherwise"),
    "wb_promised": ("承诺时限", "Promised"),
    "wb_parallel": ("并联（关键路径）工作日", "In parallel (critical path), working days"),
    "wb_serial": ("串联工作日", "In series, working days"),
    "wb_separate": ("分别办理工作日", "Handled separately, working days"),
    "wb_critical": ("关键路径", "Critical path"),
    "wb_graph": ("环节图", "Step graph"),
    "wb_graph_note": (
        "关键路径以红色粗线标出，有条件的环节为虚线，不计时的环节为灰色",
        "The critical path is red and thick, conditional steps dashed, uncounted steps grey",
    ),
    "wb_diff": ("与已登记版本的差异", "Difference from the registered version"),
    "wb_same": ("与已登记的最新版本相同", "The same as the newest registered version"),
    "wb_new": ("此事项尚未登记", "Not registered yet"),
    "wb_dry_input": ("试算申请", "Dry-run application"),
    "wb_sample": ("示例申请", "Sample application"),
    "wb_application": ("或粘贴申请（JSON）", "Or paste an application (JSON)"),
    "wb_no_application": ("请选择示例申请或粘贴申请", "Choose a sample or paste an application"),
    "wb_day": ("受理日期", "Accepted on"),
    "wb_time": ("受理时间", "Accepted at"),
    "wb_dates": ("试算：各环节办理时限", "Dry run: each step's due date"),
    "wb_assumption": (
        "假定每个环节用足时限；按 {calendar} 工作日历（法定节假日、调休、地方节日）计算",
        "Every step uses its whole limit; dates on calendar {calendar} "
        "(holidays, make-up days, regional days)",
    ),
    "wb_case_dates": (
        "受理于 {accepted}：承诺时限 {promised} 至 {promised_due}；"
        "法定时限 {statutory} 至 {statutory_due}",
        "Accepted {accepted}: promised {promised} by {promised_due}; "
        "statutory {statutory} by {statutory_due}",
    ),
    "wb_start": ("开始", "Starts"),
    "wb_limit": ("时限", "Limit"),
    "wb_skipped": ("不适用", "does not apply"),
    "wb_not_counted": ("不计入办理期限", "not counted"),
    "wb_provisional": ("暂定：该年节假日尚未公布", "provisional: the year's holidays unpublished"),
    "wb_refused": ("将不予受理", "Would be refused at acceptance"),
    "wb_application_problems": ("申请有误", "The application has problems"),
    "wb_registered": ("已登记 {id} 第 {version} 版", "Registered {id} version {version}"),
    "wb_unchanged": ("内容相同，{id} 第 {version} 版已登记", "Already registered: {id} v{version}"),
}
