-- rflow in Neovim (0.8+): filetype, and `rflow lsp` as the language server for it.
-- Put this file on your runtimepath (e.g. ~/.config/nvim/plugin/rflow.lua) or paste it
-- into init.lua. Set vim.g.rflow_path to use an rflow that is not on PATH.
vim.filetype.add({ extension = { rflow = 'rflow' } })

vim.api.nvim_create_autocmd('FileType', {
  pattern = 'rflow',
  callback = function(args)
    vim.bo[args.buf].commentstring = '// %s'
    vim.bo[args.buf].shiftwidth = 2
    vim.bo[args.buf].expandtab = true
    local root = vim.fs.dirname(vim.fs.find({ 'rflow.toml', '.git' }, {
      upward = true,
      path = vim.fs.dirname(vim.api.nvim_buf_get_name(args.buf)),
    })[1])
    vim.lsp.start({
      name = 'rflow',
      cmd = { vim.g.rflow_path or 'rflow', 'lsp' },
      root_dir = root or vim.fs.dirname(vim.api.nvim_buf_get_name(args.buf)),
    })
  end,
})

-- Format on save with the server (the same formatter as `rflow fmt`).
vim.api.nvim_create_autocmd('BufWritePre', {
  pattern = '*.rflow',
  callback = function() vim.lsp.buf.format({ name = 'rflow', timeout_ms = 2000 }) end,
})
