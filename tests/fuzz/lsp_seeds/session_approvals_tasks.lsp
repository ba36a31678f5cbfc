Content-Length: 102

{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"processId": null, "capabilities": {}}}Content-Length: 57

{"jsonrpc": "2.0", "method": "initialized", "params": {}}Content-Length: 1065

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "languageId": "rflow", "version": 1, "text": "module demo\n\nworkflow Review(amount: money, sku: string) {\n  let review = approval \"Replenish {sku}\" {\n    assign approver_for(amount, Category.Pricing)\n    requested_by user(\"ana\")\n    amount amount\n    approvers 2\n    due 4h\n    escalate after 2h to PlanningManager\n    escalate after 3h to FinanceDirector\n    data { sku: sku, need: 10, available: 3 }\n  }\n  let quick = approval \"Quick\" { assign StoreManager; due 1h; escalate after 30m to RegionalOps }\n  let fix = task \"Fix the freezer at {sku}\" {\n    assign Maintenance\n    due 1d\n    escalate after 4h to FacilitiesLead\n    form {\n      fixed: bool\n      notes: string\n      cost: money = 0.00 USD\n    }\n    data {\n      store: \"S0042\"\n    }\n  }\n  if not review.approved { note \"declined by {review.decided_by}: {review.comment}\" }\n  note \"fixed: {fix.fixed} by {fix.completed_by}\"\n}\n"}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 2, "character": 10}}}Content-Length: 184

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 3, "character": 7}}}Content-Length: 185

{"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 4, "character": 41}}}Content-Length: 188

{"jsonrpc": "2.0", "id": 4, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 7}}}Content-Length: 226

{"jsonrpc": "2.0", "id": 5, "method": "textDocument/references", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 7}, "context": {"includeDeclaration": true}}}Content-Length: 188

{"jsonrpc": "2.0", "id": 6, "method": "textDocument/prepareRename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 7}}}Content-Length: 203

{"jsonrpc": "2.0", "id": 7, "method": "textDocument/rename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 7}, "newName": "renamed"}}Content-Length: 147

{"jsonrpc": "2.0", "id": 8, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 83

{"jsonrpc": "2.0", "id": 9, "method": "workspace/symbol", "params": {"query": "a"}}Content-Length: 153

{"jsonrpc": "2.0", "id": 10, "method": "textDocument/semanticTokens/full", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 146

{"jsonrpc": "2.0", "id": 11, "method": "textDocument/foldingRange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 193

{"jsonrpc": "2.0", "id": 12, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "options": {"tabSize": 2, "insertSpaces": true}}}Content-Length: 281

{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "version": 2}, "contentChanges": [{"range": {"start": {"line": 14, "character": 0}, "end": {"line": 14, "character": 0}}, "text": "let oops = \n"}]}}Content-Length: 383

{"jsonrpc": "2.0", "id": 13, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "range": {"start": {"line": 14, "character": 0}, "end": {"line": 15, "character": 0}}, "context": {"diagnostics": [{"range": {"start": {"line": 14, "character": 0}, "end": {"line": 14, "character": 4}}, "code": "E0101", "message": "m"}]}}}Content-Length: 181

{"jsonrpc": "2.0", "id": 14, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 6}}}Content-Length: 69

{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 16}}Content-Length: 187

{"jsonrpc": "2.0", "id": 15, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 11}}}Content-Length: 187

{"jsonrpc": "2.0", "id": 16, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 11}}}Content-Length: 132

{"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 66

{"jsonrpc": "2.0", "id": 17, "method": "shutdown", "params": null}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}