;;; mld-mode.el --- Major mode for mldc hardware design files (.mld)  -*- lexical-binding: t; -*-

;; Keywords: languages
;; Package-Requires: ((emacs "25.1"))

;;; Commentary:

;; Editing support for the `.mld' language of mldc (docs/language.md):
;; syntax highlighting, `//' and `/* */' comments, indentation as `mldc fmt'
;; does it (4 spaces a level), imenu, and `M-x compile' support: the default
;; command is "mldc check FILE", and its GNU-style diagnostics
;;
;;   file:line:col: error: message
;;   file:line:col: warning: message
;;   file:line:col: note: message
;;
;; are recognised by the `mldc' entry of `compilation-error-regexp-alist-alist'
;; (errors, warnings and notes as info).
;;
;; With eglot (built into Emacs 29; the elpa-eglot package on Debian 12),
;; `M-x eglot' in an .mld buffer starts the language server `mldc lsp':
;; diagnostics as you type, hover, go to definition, completion and
;; formatting.  The program is `mld-mldc-program'.
;;
;; Installation: put this file on your `load-path' and add
;;
;;   (require 'mld-mode)
;;
;; or (autoload 'mld-mode "mld-mode" nil t) plus the `auto-mode-alist' entry
;; below.  The word lists mirror the compiler (src/lex.c, src/lower.c,
;; src/units.c); tests/editors/run.sh checks that they stay in step.

;;; Code:

(require 'cl-lib)

(defgroup mld nil
  "Major mode for mldc design files."
  :group 'languages
  :prefix "mld-")

(defcustom mld-indent-offset 4
  "Indentation of one block level in `mld-mode'."
  :type 'integer
  :safe #'integerp)

(defcustom mld-mldc-program "mldc"
  "The mldc executable, used by the default `compile-command' and by eglot."
  :type 'string)

(defface mld-number-face
  '((t :inherit font-lock-constant-face))
  "Face for numbers in `mld-mode'.")

(defface mld-unit-face
  '((t :inherit font-lock-type-face))
  "Face for the unit of a quantity (\"GB/s\" in \"1.6 TB/s\") in `mld-mode'.")

(defface mld-operator-face
  '((t :inherit font-lock-keyword-face :weight normal))
  "Face for the range, wildcard and link operators (.. .* <->).")

;;;; Word lists

;; Reserved words: src/lex.c parse_keywords[].
(defconst mld-keywords
  '("import" "param" "let" "level" "system" "compute" "memory" "network"
    "link" "attach" "to" "at" "workload" "input" "weight" "cache" "op"
    "group" "mapping" "on" "for" "in" "place" "split" "transfer" "from"
    "store" "sync" "after" "explore" "vary" "require" "minimize"
    "maximize" "if" "else" "step")
  "Reserved words of mld.")

;; Builtin names: src/lower.c.
(defconst mld-topologies
  '("mesh" "torus" "ring" "bus" "crossbar" "switch" "fully_connected" "tree" "custom")
  "Network topologies (topo_names[]).")

(defconst mld-dtypes
  '("fp32" "bf16" "fp16" "fp8" "int8" "int4" "int32")
  "Tensor element types (dtype_names[]).")

(defconst mld-operators
  '("matmul" "bmm" "elementwise" "add" "mul" "gelu" "silu" "softmax"
    "layernorm" "rmsnorm" "attention" "embedding" "scatter_add" "append" "transpose"
    "split_heads" "merge_heads" "conv2d" "conv2d_dgrad" "conv2d_wgrad" "maxpool"
    "maxpool_backward" "avgpool" "avgpool_backward" "batchnorm" "batchnorm_backward")
  "Workload operators (opkind_names[]).")

(defconst mld-functions
  '("min" "max" "ceil" "floor" "log2" "sqrt" "count" "hf_config" "pipeline_order")
  "Builtin functions (func_names[]).")

(defconst mld-metrics
  '("latency" "throughput" "energy" "area" "power" "edp"
    "throughput_per_area" "throughput_per_watt")
  "Explore metrics (metric_names[]).")

(defconst mld-split-dims '("rows" "cols" "heads" "batch")
  "Dimensions named by `split'.")

(defconst mld-op-classes '("matrix" "vector" "any")
  "Values of a compute element's `ops'.")

;; Units: src/units.c.  An atom is [prefix] base [2|3]; each base accepts the
;; prefix families of its bases[] entry.
(defconst mld--unit-atom-re
  (concat
   "\\(?:"
   "\\(?:Ki\\|Mi\\|Gi\\|Ti\\|Pi\\|Ei\\|[kMGTPEK]\\)?\\(?:B\\|bit\\)"
   "\\|[kMGTPEmunpf]?\\(?:s\\|J\\|W\\|Hz\\)"
   "\\|[kMGTPEmunpfc]?\\(?:m\\)"
   "\\|[kMGTPE]?\\(?:FLOP\\|cycles\\|cycle\\)"
   "\\)[23]?")
  "Regexp matching one unit atom, such as \"GiB\", \"pJ\" or \"mm2\".")

(defconst mld--number-re
  "[0-9]+\\(?:\\.[0-9]+\\)?\\(?:[eE][-+]?[0-9]+\\)?"
  "Regexp matching an mld number literal.")

(defconst mld--quantity-re
  (concat "\\_<\\(" mld--number-re "\\)"
          "\\(?:[ \t]*\\(" mld--unit-atom-re
          "\\(?:[/*]" mld--unit-atom-re "\\)*\\)\\_>\\)?")
  "Regexp matching a number (group 1) and its optional unit (group 2).")

(defconst mld--name-re "\\(?:\\sw\\|\\s_\\)+")

;;;; Font lock

(defun mld--objective-end ()
  "End of the require/minimize/maximize statement at point.
Its list of metrics goes on past a line that ends with a comma."
  (save-excursion
    (let ((end (line-end-position)))
      (while (and (< end (point-max))
                  (save-excursion
                    (goto-char end)
                    (forward-comment (- (point)))
                    (eq (char-before) ?,)))
        (forward-line 1)
        (setq end (line-end-position)))
      end)))

(defun mld--call-re (names)
  "Regexp matching one of NAMES (as group 1) followed by an open paren."
  (concat "\\_<\\(" (regexp-opt names) "\\)\\_>[ \t]*("))

(defconst mld-font-lock-keywords
  `(;; Reserved words first, so that later rules never repaint them.
    (,(regexp-opt mld-keywords 'symbols) . font-lock-keyword-face)
    ;; Names being defined.
    (,(concat "\\_<level[ \t]+\\(" mld--name-re "\\)") 1 font-lock-type-face)
    (,(concat "\\_<\\(?:workload\\|mapping\\)[ \t]+\\(" mld--name-re "\\)")
     1 font-lock-function-name-face)
    (,(concat "\\_<\\(?:param\\|let\\|system\\|compute\\|memory\\|network"
              "\\|input\\|weight\\|cache\\|op\\|group\\)[ \t]+\\(" mld--name-re "\\)")
     1 font-lock-variable-name-face)
    ;; Builtin names.
    (,(regexp-opt mld-dtypes 'symbols) . font-lock-type-face)
    (,(mld--call-re mld-topologies) 1 font-lock-builtin-face)
    (,(mld--call-re mld-operators) 1 font-lock-builtin-face)
    (,(mld--call-re mld-functions) 1 font-lock-builtin-face)
    ;; Metrics, after require, minimize and maximize.
    ("\\_<\\(?:require\\|minimize\\|maximize\\)\\_>"
     (,(regexp-opt mld-metrics 'symbols)
      (mld--objective-end) nil (0 font-lock-constant-face)))
    (,(concat "\\_<split[ \t]+\\(" (regexp-opt mld-split-dims) "\\)\\_>")
     1 font-lock-constant-face)
    (,(concat "\\_<ops[ \t]*=[ \t]*\\(" (regexp-opt mld-op-classes) "\\)\\_>")
     1 font-lock-constant-face)
    ("\\_<attach[ \t]+\\(parent\\)\\_>" 1 font-lock-constant-face)
    ;; Quantities: "1.6 TB/s", "16GiB", "2 FLOP/cycle", "800 mm2".
    (,mld--quantity-re (1 'mld-number-face) (2 'mld-unit-face nil t))
    ;; Range, wildcard and link operators.
    ("\\.\\.\\|\\.\\*\\|<->" . 'mld-operator-face))
  "Font-lock rules for `mld-mode'.")

;;;; Syntax table

(defvar mld-mode-syntax-table
  (let ((st (make-syntax-table)))
    (modify-syntax-entry ?/ ". 124b" st)
    (modify-syntax-entry ?* ". 23" st)
    (modify-syntax-entry ?\n "> b" st)
    (modify-syntax-entry ?\r "> b" st)
    (modify-syntax-entry ?\" "\"" st)
    (modify-syntax-entry ?\\ "\\" st)
    (modify-syntax-entry ?_ "_" st)
    (modify-syntax-entry ?' "." st)
    (dolist (c '(?. ?, ?\; ?: ?= ?< ?> ?+ ?- ?% ?! ?? ?& ?|))
      (modify-syntax-entry c "." st))
    st)
  "Syntax table for `mld-mode'.")

;;;; Indentation

;; The rules of `mldc fmt' (src/fmt.c), so that re-indenting formatted text
;; changes nothing:
;;  - 4 spaces per open `{'; a line that starts with `}' is dedented once per
;;    leading `}';
;;  - inside an open `(' or `[', one level more than the line that opened the
;;    innermost one; a line that starts with `)' or `]' lines up with the line
;;    that opened the bracket it closes;
;;  - a line that continues a statement (the code before it ends with an
;;    operator, a `,', `:' or a reserved word: a newline there ends no
;;    statement) is indented one level;
;;  - lines inside a block comment are left as they are.

(defun mld--statement-ended-p ()
  "Non-nil if a newline at the end of the code before point ends a statement.
As in the scanner: the last token is a name, a number (with or without
its unit), a string, `)', `]', `}' or `.*'; or `;', `{' or nothing at all."
  (save-excursion
    (forward-comment (- (point)))
    (let ((c (char-before)))
      (cond
       ((null c) t)
       ((memq c '(?\; ?\{ ?\} ?\) ?\] ?\")) t)
       ((eq c ?*) (eq (char-before (1- (point))) ?.))
       ((memq (char-syntax c) '(?w ?_))
        (let ((end (point)))
          (skip-syntax-backward "w_")
          (not (member (buffer-substring-no-properties (point) end) mld-keywords))))
       (t nil)))))

(defun mld--leading (chars)
  "The number of CHARS that start the code at point, blanks between them allowed."
  (save-excursion
    (let ((n 0))
      (while (progn (skip-chars-forward " \t") (memq (char-after) chars))
        (setq n (1+ n))
        (forward-char))
      n)))

(defun mld--indentation-at (pos)
  "The indentation of the line holding POS."
  (save-excursion (goto-char pos) (current-indentation)))

(defun mld-calculate-indentation ()
  "The column the current line should be indented to, or nil to leave it."
  (save-excursion
    (beginning-of-line)
    (let ((ppss (syntax-ppss)))
      (unless (nth 3 ppss)              ; not inside a string or block comment
        (unless (nth 4 ppss)
          (let* ((open (nth 9 ppss))    ; open brackets, outermost first
                 (depth (cl-count ?\{ open :key #'char-after))
                 ;; The ( and [ opened since the innermost {.
                 (brackets (let (l) (dolist (p open) (if (eq (char-after p) ?\{) (setq l nil) (push p l))) l))
                 (nopen (length brackets))  ; innermost first
                 (lead-brace (mld--leading '(?\})))
                 (lead-close (if (> lead-brace 0) 0 (mld--leading '(?\) ?\])))))
            (cond
             ((> lead-brace 0) (* mld-indent-offset (max 0 (- depth lead-brace))))
             ((and (> lead-close 0) (> nopen 0))
              (mld--indentation-at (nth (1- (min lead-close nopen)) brackets)))
             ((> nopen 0)
              (+ (mld--indentation-at (car brackets)) mld-indent-offset))
             (t (+ (* mld-indent-offset depth)
                   (if (mld--statement-ended-p) 0 mld-indent-offset))))))))))

(defun mld-indent-line ()
  "Indent the current line as mld code (as `mldc fmt' would)."
  (interactive)
  (let ((col (mld-calculate-indentation))
        (offset (- (current-column) (current-indentation))))
    (when col
      (indent-line-to col)
      (when (> offset 0) (forward-char offset)))))

;;;; Compilation

;; The entry `mldc': FILE:LINE:COL: error|warning|note: MESSAGE, with
;; warnings as warnings and notes as info.
;;;###autoload
(with-eval-after-load 'compile
  (defvar compilation-error-regexp-alist-alist)
  (defvar compilation-error-regexp-alist)
  (setf (alist-get 'mldc compilation-error-regexp-alist-alist)
        '("^\\([^ \t\n:][^\n:]*\\):\\([0-9]+\\):\\([0-9]+\\): \\(?:error\\|\\(warning\\)\\|\\(note\\)\\): "
          1 2 3 (4 . 5)))
  (add-to-list 'compilation-error-regexp-alist 'mldc))

;;;; Imenu

(defvar mld-imenu-generic-expression
  `(("Levels" ,(concat "^[ \t]*level[ \t]+\\(" mld--name-re "\\)") 1)
    ("Workloads" ,(concat "^[ \t]*workload[ \t]+\\(" mld--name-re "\\)") 1)
    ("Mappings" ,(concat "^[ \t]*mapping[ \t]+\\(" mld--name-re "\\)") 1)
    ("Systems" ,(concat "^[ \t]*system[ \t]+\\(" mld--name-re "\\)") 1)
    ("Parameters" ,(concat "^[ \t]*param[ \t]+\\(" mld--name-re "\\)") 1))
  "Imenu entries for `mld-mode'.")

;;;; The mode

;;;###autoload
(define-derived-mode mld-mode prog-mode "mld"
  "Major mode for editing mldc hardware design files (.mld).

\\{mld-mode-map}"
  :syntax-table mld-mode-syntax-table
  :group 'mld
  (setq-local comment-start "// ")
  (setq-local comment-end "")
  (setq-local comment-start-skip "\\(?://+\\|/\\*+\\)[ \t]*")
  (setq-local comment-multi-line nil)
  (setq-local font-lock-defaults '(mld-font-lock-keywords nil nil))
  (setq-local indent-line-function #'mld-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local tab-width 8)
  (setq-local electric-indent-chars (append '(?\} ?\) ?\]) electric-indent-chars))
  (setq-local imenu-generic-expression mld-imenu-generic-expression)
  (when buffer-file-name
    (setq-local compile-command
                (concat mld-mldc-program " check "
                        (shell-quote-argument (file-name-nondirectory buffer-file-name))))))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.mld\\'" . mld-mode))

;;;; Language server: `mldc lsp' through eglot (M-x eglot in an .mld buffer)

(defvar eglot-server-programs)

(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               `(mld-mode . (,mld-mldc-program "lsp"))))

(provide 'mld-mode)

;;; mld-mode.el ends here
