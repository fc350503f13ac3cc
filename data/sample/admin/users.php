<?php
/**
 * Admin console: the "Users" page.
 *
 * Lists the accounts of every tenant, 50 per page, with a search box (email or
 * tenant id), and lets a support engineer suspend or reactivate an account.
 * Only staff with the "support" role can see this page; every suspension is
 * written to the audit log with the reason typed by the engineer.
 */

declare(strict_types=1);

require_once __DIR__ . '/../lib/bootstrap.php';

use Parcel\Admin\Audit;
use Parcel\Admin\Auth;

const PAGE_SIZE = 50;

$staff = Auth::requireRole('support');
$db = Parcel\Admin\db();

function h(?string $value): string
{
    return htmlspecialchars($value ?? '', ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
}

function csrf_token(): string
{
    if (empty($_SESSION['csrf'])) {
        $_SESSION['csrf'] = bin2hex(random_bytes(32));
    }
    return $_SESSION['csrf'];
}

/** Suspend or reactivate one user (POST only, CSRF-checked, audited). */
function handle_action(PDO $db, array $staff): ?string
{
    if ($_SERVER['REQUEST_METHOD'] !== 'POST') {
        return null;
    }
    if (!hash_equals(csrf_token(), $_POST['csrf'] ?? '')) {
        http_response_code(400);
        return 'Your session expired; reload the page and try again.';
    }
    $userId = (int)($_POST['user_id'] ?? 0);
    $action = $_POST['action'] ?? '';
    $reason = trim($_POST['reason'] ?? '');
    if ($action === 'suspend' && $reason === '') {
        return 'A reason is required to suspend an account.';
    }
    $stmt = match ($action) {
        'suspend' => $db->prepare('UPDATE users SET suspended_at = now(), suspended_reason = :reason WHERE id = :id'),
        'reactivate' => $db->prepare('UPDATE users SET suspended_at = NULL, suspended_reason = NULL WHERE id = :id'),
        default => null,
    };
    if ($stmt === null) {
        return 'Unknown action.';
    }
    $params = ['id' => $userId];
    if ($action === 'suspend') {
        $params['reason'] = $reason;
    }
    $stmt->execute($params);
    Audit::record($staff['email'], "user.$action", ['user_id' => $userId, 'reason' => $reason]);
    return $action === 'suspend' ? "User #$userId suspended." : "User #$userId reactivated.";
}

$flash = handle_action($db, $staff);

$search = trim($_GET['q'] ?? '');
$page = max(1, (int)($_GET['page'] ?? 1));
$where = '';
$params = [];
if ($search !== '') {
    $where = 'WHERE u.email ILIKE :q OR u.tenant_id = :exact';
    $params = ['q' => '%' . $search . '%', 'exact' => $search];
}

$count = $db->prepare("SELECT count(*) FROM users u $where");
$count->execute($params);
$total = (int)$count->fetchColumn();
$pages = max(1, (int)ceil($total / PAGE_SIZE));

$list = $db->prepare(
    "SELECT u.id, u.email, u.tenant_id, t.plan, u.created_at, u.last_login_at, u.suspended_at
       FROM users u JOIN tenants t ON t.id = u.tenant_id
       $where
      ORDER BY u.created_at DESC
      LIMIT " . PAGE_SIZE . ' OFFSET ' . (($page - 1) * PAGE_SIZE)
);
$list->execute($params);
$users = $list->fetchAll(PDO::FETCH_ASSOC);
?>
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Users · Parcel admin</title>
  <link rel="stylesheet" href="/admin/admin.css">
</head>
<body>
<h1>Users <small><?= $total ?> total</small></h1>
<?php if ($flash): ?><p class="flash"><?= h($flash) ?></p><?php endif; ?>
<form method="get" class="search">
  <input type="search" name="q" value="<?= h($search) ?>" placeholder="email or tenant id">
  <button>Search</button>
</form>
<table class="users">
  <thead><tr><th>ID</th><th>Email</th><th>Tenant</th><th>Plan</th><th>Signed up</th><th>Last login</th><th></th></tr></thead>
  <tbody>
  <?php foreach ($users as $user): ?>
    <tr class="<?= $user['suspended_at'] ? 'suspended' : '' ?>">
      <td><?= (int)$user['id'] ?></td>
      <td><?= h($user['email']) ?></td>
      <td><a href="/admin/tenant.php?id=<?= urlencode($user['tenant_id']) ?>"><?= h($user['tenant_id']) ?></a></td>
      <td><?= h($user['plan']) ?></td>
      <td><?= h(substr($user['created_at'], 0, 10)) ?></td>
      <td><?= h($user['last_login_at'] ? substr($user['last_login_at'], 0, 16) : 'never') ?></td>
      <td>
        <form method="post">
          <input type="hidden" name="csrf" value="<?= h(csrf_token()) ?>">
          <input type="hidden" name="user_id" value="<?= (int)$user['id'] ?>">
          <?php if ($user['suspended_at']): ?>
            <button name="action" value="reactivate">Reactivate</button>
          <?php else: ?>
            <input name="reason" placeholder="reason" required>
            <button name="action" value="suspend" class="danger">Suspend</button>
          <?php endif; ?>
        </form>
      </td>
    </tr>
  <?php endforeach; ?>
  </tbody>
</table>
<nav class="pager">
  <?php for ($p = 1; $p <= $pages; $p++): ?>
    <a href="?q=<?= urlencode($search) ?>&amp;page=<?= $p ?>" class="<?= $p === $page ? 'current' : '' ?>"><?= $p ?></a>
  <?php endfor; ?>
</nav>
</body>
</html>
