Content-Length: 102

{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"processId": null, "capabilities": {}}}Content-Length: 57

{"jsonrpc": "2.0", "method": "initialized", "params": {}}Content-Length: 1154

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "languageId": "rflow", "version": 1, "text": "module retail.governance\n\n/// Decision table, first matching rule wins.\ndecision approver_for(amount: money, category: Category) -> Role {\n  when amount <= 1_000.00 USD                                    => StoreManager\n  when amount <= 25_000.00 USD and category != Category.Equipment => InventoryPlanner\n  else                                                           => FinanceDirector\n}\n\ndecision tier(u: Urgency) -> int { when u == Urgency.High => 1; when u == Urgency.Low => 3; else => 2 }\n\n/// Nobody approves their own request.\npolicy no_self_approval on approval(a) {\n  require a.decided_by != a.requested_by else \"approver must not be the requester\"\n}\n\n/// Large amounts need a second approver.\npolicy dual_control on approval(a) when a.amount > 10_000.00 USD {\n  require a.approvers >= 2 else \"approvals above 10,000.00 USD need two approvers\"\n}\n\npolicy forms_need_a_person on task(t) {\n  require t.completed_by != user(\"system\")\n}\n"}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 0, "character": 14}}}Content-Length: 185

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 4, "character": 23}}}Content-Length: 185

{"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 5, "character": 24}}}Content-Length: 188

{"jsonrpc": "2.0", "id": 4, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 9, "character": 53}}}Content-Length: 227

{"jsonrpc": "2.0", "id": 5, "method": "textDocument/references", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 12}, "context": {"includeDeclaration": true}}}Content-Length: 189

{"jsonrpc": "2.0", "id": 6, "method": "textDocument/prepareRename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 12}}}Content-Length: 204

{"jsonrpc": "2.0", "id": 7, "method": "textDocument/rename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 12}, "newName": "renamed"}}Content-Length: 147

{"jsonrpc": "2.0", "id": 8, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 83

{"jsonrpc": "2.0", "id": 9, "method": "workspace/symbol", "params": {"query": "a"}}Content-Length: 153

{"jsonrpc": "2.0", "id": 10, "method": "textDocument/semanticTokens/full", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 146

{"jsonrpc": "2.0", "id": 11, "method": "textDocument/foldingRange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 193

{"jsonrpc": "2.0", "id": 12, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "options": {"tabSize": 2, "insertSpaces": true}}}Content-Length: 281

{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "version": 2}, "contentChanges": [{"range": {"start": {"line": 13, "character": 0}, "end": {"line": 13, "character": 0}}, "text": "let oops = \n"}]}}Content-Length: 383

{"jsonrpc": "2.0", "id": 13, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "range": {"start": {"line": 13, "character": 0}, "end": {"line": 14, "character": 0}}, "context": {"diagnostics": [{"range": {"start": {"line": 13, "character": 0}, "end": {"line": 13, "character": 4}}, "code": "E0101", "message": "m"}]}}}Content-Length: 181

{"jsonrpc": "2.0", "id": 14, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 6}}}Content-Length: 69

{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 16}}Content-Length: 187

{"jsonrpc": "2.0", "id": 15, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 11}}}Content-Length: 187

{"jsonrpc": "2.0", "id": 16, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 11}}}Content-Length: 132

{"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 66

{"jsonrpc": "2.0", "id": 17, "method": "shutdown", "params": null}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}